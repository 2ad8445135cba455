"""The FAQ a new site starts with; staff edit it on /staff/faq.

Each topic lists how visitors ask (several variants per language) and the answer in both
languages. ``{site}`` in an answer is replaced by the site's name.
"""

from __future__ import annotations

from typing import TypedDict


class Topic(TypedDict):
    topic: str
    questions_ja: list[str]
    questions_en: list[str]
    answer_ja: str
    answer_en: str


DEFAULT_FAQ: list[Topic] = [
    {"topic": "wifi",
     "questions_ja": ["Wi-Fiはありますか", "Wi-Fiのパスワード", "ゲスト用の無線LAN",
                      "インターネットに接続したい", "ネットにつなぎたい", "SSID", "ワイファイ"],
     "questions_en": ["Is there Wi-Fi", "wifi password", "guest wireless network",
                      "connect to the internet", "internet access", "SSID network name",
                      "get online on my laptop"],
     "answer_ja": "ゲスト用Wi-Fi: SSID「OfficeGate-Guest」。パスワードは受付か担当者にお尋ねく"
                  "ださい。",
     "answer_en": "Guest Wi-Fi: SSID \"OfficeGate-Guest\"; please ask reception or your host "
                  "for the password."},
    {"topic": "parking",
     "questions_ja": ["駐車場はありますか", "車で行ってもいいですか", "車を停める場所",
                      "来客用の駐車スペース", "駐車料金", "パーキング", "車で伺います"],
     "questions_en": ["Is there parking", "can I come by car", "where can I park my car",
                      "visitor parking space", "parking fee", "car park", "driving"],
     "answer_ja": "来客用駐車場は地下1階にあります(2時間無料)。駐車券は受付で承認します。",
     "answer_en": "Visitor parking is on basement level 1 (free for 2 hours); your host "
                  "validates the ticket."},
    {"topic": "toilet",
     "questions_ja": ["トイレはどこですか", "お手洗いの場所", "化粧室", "トイレを借りたい",
                      "多目的トイレ", "手洗い"],
     "questions_en": ["Where is the toilet", "restroom", "bathroom", "washroom",
                      "lavatory", "accessible toilet"],
     "answer_ja": "トイレは各階のエレベーターホールの奥にあります。多目的トイレは1階です。",
     "answer_en": "Toilets are behind the lift hall on every floor; the accessible toilet is "
                  "on the ground floor."},
    {"topic": "smoking",
     "questions_ja": ["喫煙所はありますか", "タバコを吸える場所", "たばこ", "喫煙できますか",
                      "禁煙ですか", "電子タバコ"],
     "questions_en": ["smoking area", "where can I smoke", "cigarette", "is smoking allowed",
                      "no smoking", "vape e-cigarette"],
     "answer_ja": "建物内は全面禁煙です。喫煙所は1階の外、正面玄関の右手にあります。",
     "answer_en": "The building is smoke-free; the smoking area is outside the main entrance, "
                  "on the right."},
    {"topic": "lunch",
     "questions_ja": ["ランチ", "お昼ごはんを食べる場所", "近くの飲食店", "社員食堂",
                      "コンビニはありますか", "食事できるところ"],
     "questions_en": ["lunch", "where can I eat", "restaurants nearby", "cafeteria canteen",
                      "convenience store", "food"],
     "answer_ja": "2階に社員食堂があり来客も利用できます(11:30-14:00)。1階にコンビニがあります。",
     "answer_en": "The 2F cafeteria is open to visitors (11:30-14:00); there is a convenience "
                  "store on the ground floor."},
    {"topic": "lost_found",
     "questions_ja": ["忘れ物をしました", "落とし物", "遺失物", "置き忘れた", "なくしたものを探し"
         "たい",
                      "傘を忘れた", "財布やスマホを忘れた"],
     "questions_en": ["I lost something", "lost and found", "left my item behind",
                      "forgot my umbrella", "lost property", "missing belongings",
                      "left my laptop or wallet in the meeting room"],
     "answer_ja": "忘れ物は防災センター(1階)で保管しています。このチャットで品物と場所をお知らせく"
                  "ださい。",
     "answer_en": "Lost property is kept at the security office (1F). Tell us here what and "
                  "where, and we will check."},
    {"topic": "check_in",
     "questions_ja": ["受付はどこですか", "チェックインの方法", "着いたらどうすればいい",
                      "受付の仕方", "到着しました"],
     "questions_en": ["how do I check in", "where is reception", "I have arrived what now",
                      "check-in procedure", "front desk", "what to do on arrival"],
     "answer_ja": "受付はありません。ロビーのQRポスターをスマートフォンで読み取るとチェックインで"
                  "きます。",
     "answer_en": "There is no reception desk: scan the QR poster in the lobby with your "
                  "phone to check in."},
    {"topic": "gate",
     "questions_ja": ["ゲートが開かない", "QRコードが読み取れない", "入館ゲートの通り方",
                      "ゲートを通れない", "改札"],
     "questions_en": ["the gate does not open", "QR code not working", "how to pass the gate",
                      "cannot get through the gate", "turnstile"],
     "answer_ja": "パス画面のQRコードをゲートのカメラにかざしてください。画面の明るさを上げると読"
                  "み取りやすくなります。",
     "answer_en": "Hold the QR on your pass page up to the gate camera; turning up the screen "
                  "brightness helps."},
    {"topic": "access",
     "questions_ja": ["最寄り駅", "行き方", "アクセス", "駅からの道順", "住所", "タクシーで行きた"
         "い", "近い駅からの行き方"],
     "questions_en": ["nearest station", "how do I get there", "directions to the office",
                      "address", "route from the station", "taxi"],
     "answer_ja": "最寄り駅は地下鉄「中央駅」A3出口から徒歩3分です。住所は担当者にお尋ねください。",
     "answer_en": "3 minutes' walk from Exit A3 of Chuo subway station; for the street "
                  "address, please ask your host."},
    {"topic": "luggage",
     "questions_ja": ["荷物を預けたい", "コインロッカー", "スーツケース", "コートを預けられますか",
                      "手荷物"],
     "questions_en": ["store my luggage", "coin locker", "suitcase", "cloakroom coat check",
                      "leave my bags"],
     "answer_ja": "1階の防災センターで手荷物をお預かりします。コインロッカーはありません。",
     "answer_en": "The security office (1F) can keep your bags; there are no coin lockers."},
    {"topic": "charging",
     "questions_ja": ["充電したい", "コンセント", "電源はありますか", "スマホの充電器",
                      "バッテリーが切れそう"],
     "questions_en": ["charge my phone", "power outlet", "power socket", "phone charger",
                      "battery is low"],
     "answer_ja": "会議室の机にコンセントとUSB充電口があります。充電器の貸し出しは担当者にお声がけ"
                  "ください。",
     "answer_en": "Meeting rooms have power and USB sockets at the table; ask your host to "
                  "borrow a charger."},
    {"topic": "accessibility",
     "questions_ja": ["車椅子", "エレベーター", "バリアフリー", "階段を使わずに行ける",
                      "段差"],
     "questions_en": ["wheelchair access", "elevator lift", "step-free access",
                      "barrier-free", "avoid the stairs", "accessible building"],
     "answer_ja": "正面玄関はバリアフリーで、全階にエレベーターがあります。ゲートには幅広レーンが"
                  "あります。",
     "answer_en": "The main entrance is step-free, lifts serve every floor and the gate has "
                  "a wide lane."},
    {"topic": "drink",
     "questions_ja": ["飲み物", "自動販売機", "水が欲しい", "コーヒー", "無料のドリンク"],
     "questions_en": ["drink", "vending machine", "water", "coffee", "free beverage"],
     "answer_ja": "ゲート横の自動販売機で、パスのQRをかざすとお好きな飲み物を1本無料でどうぞ。",
     "answer_en": "Show your pass QR at the vending machine by the gate for one free drink "
                  "of your choice."},
    {"topic": "hours",
     "questions_ja": ["何時から入れますか", "開館時間", "早めに着いてしまった", "早く着いた",
                      "何時まで", "営業時間"],
     "questions_en": ["opening hours", "what time can I enter", "arrived early",
                      "how late is the building open", "business hours"],
     "answer_ja": "パスは予定の60分前から使えます。建物は8:00-20:00に開いています。",
     "answer_en": "Your pass works from 60 minutes before the meeting; the building is open "
                  "8:00-20:00."},
]

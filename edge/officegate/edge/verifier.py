"""The edge's offline verifier: current keys, revocations and door policy, and one decision
per presentation of a pass.

A pass held in front of the camera is seen in many frames; only the first sighting is a
decision. Accepted passes are held by the protocol's ReplayGuard; a denied code is held here
(same text, or the same signed pass denied for the same reason, within ``hold_seconds``), so
a screenshot waved at the gate, or a revoked pass whose code rotates on the phone while it is
held up, beeps once, not 30 times.

A valid pass is then checked against the door's own rules, offline: its opening hours and
holidays (outside them: WRONG_DOOR, detail "outside opening hours[ (holiday)]") and, at a
gate with an entry/exit side, anti-passback (REPLAYED, "anti-passback: already inside").
"""

from __future__ import annotations

import threading
from dataclasses import replace

from officegate.edge.passback import PassbackLedger
from officegate.protocol import Decision, DoorPolicy, KeySet, Reason, ReplayGuard, verify
from officegate.protocol.messages import DeviceConfig, Revocations

_MAX_HELD_DENIALS = 256
_Held = str | tuple[str, str]


class EdgeVerifier:
    """Decides on scanned QR text at one device, with whatever it last heard from the server.

    With no keyset yet, every pass is denied UNKNOWN_KEY (fail closed).
    Updates (from MQTT or the cache) may arrive from another thread; they swap whole values,
    so a decision always sees one consistent state.
    """

    def __init__(
        self,
        *,
        device: str,
        site: str,
        zone: str,
        relay_pulse_ms: int,
        hold_seconds: float = 5.0,
        keys: KeySet | None = None,
        revocations: Revocations | None = None,
        config: DeviceConfig | None = None,
    ) -> None:
        self.device = device
        self.site = site
        self.hold_seconds = hold_seconds
        self._lock = threading.Lock()
        self._keys = keys or KeySet(site, [], 0)
        self._revocations = revocations
        self._revoked: frozenset[bytes] = (
            revocations.pass_id_bytes() if revocations else frozenset()
        )
        self._policy = DoorPolicy(device=device, zone=zone)
        self.relay_pulse_ms = relay_pulse_ms
        self.mode = "normal"
        self.config: DeviceConfig | None = None
        self._replay = ReplayGuard(hold_seconds=hold_seconds)
        # held QR text, or (pass id, reason) of a signed pass -> (last seen, the pass a held
        # text carries). Tuples for passes: no scanned text can pose as a held pass.
        self._held_denials: dict[_Held, tuple[float, _Held | None]] = {}
        #: Who is inside, for anti-passback (None: this device keeps no such record).
        self.passback: PassbackLedger | None = None
        if config is not None:
            self.update_config(config)

    # What the server tells us ----------------------------------------------------------
    @property
    def keys(self) -> KeySet:
        """The trusted keys in force."""
        return self._keys

    @property
    def revocations(self) -> Revocations | None:
        """The revocation list in force (``None`` before the first one arrived)."""
        return self._revocations

    @property
    def policy(self) -> DoorPolicy:
        """The door policy in force."""
        return self._policy

    def update_keys(self, keys: KeySet) -> None:
        """Trust ``keys`` from now on (the whole set replaces the old one)."""
        if keys.site != self.site:
            raise ValueError(f"keyset is for site {keys.site!r}, this device is in {self.site!r}")
        with self._lock:
            self._keys = keys
            self._held_denials.clear()

    def update_revocations(self, revocations: Revocations) -> None:
        """Deny the pass ids in ``revocations`` from now on."""
        if revocations.site != self.site:
            raise ValueError(
                f"revocations are for site {revocations.site!r}, this device is in {self.site!r}"
            )
        with self._lock:
            self._revocations = revocations
            self._revoked = revocations.pass_id_bytes()
            self._held_denials.clear()

    def update_config(self, config: DeviceConfig) -> None:
        """Apply this device's config: zone, static passes, code period, pulse, mode."""
        if config.device != self.device:
            raise ValueError(f"config is for device {config.device!r}, not {self.device!r}")
        with self._lock:
            self.config = config
            self._policy = replace(config.door_policy(), code_tolerance=self._policy.code_tolerance)
            self.relay_pulse_ms = config.relay_pulse_ms
            self.mode = config.mode
            self._held_denials.clear()

    # Deciding --------------------------------------------------------------------------
    def decide(self, text: str, now: float) -> Decision | None:
        """Decide on ``text`` seen at ``now`` (epoch seconds).

        Returns ``None`` when this is the same presentation still in front of the camera
        (already decided: no second unlock, no second event), else the Decision.
        """
        with self._lock:
            held = self._held_denials.get(text)
            if held is not None and 0 <= now - held[0] <= self.hold_seconds:
                # Still there: keep holding the text, and its pass, so the next code the
                # phone draws during this presentation is held too.
                self._held_denials[text] = (now, held[1])
                if held[1] is not None:
                    self._held_denials[held[1]] = (now, None)
                return None
            decision = verify(
                text, keys=self._keys, revoked=self._revoked, door=self._policy,
                now=now, replay=self._replay,
            )
            if decision.accepted:
                if decision.holding:
                    return None
                decision = self._door_rules(decision, now)
                if decision.accepted:
                    return decision
            # A signed pass denied for the same reason is the same presentation even after
            # its code rotated on the phone: one beep, one event (unsigned text keys by text).
            same_pass = ((decision.claims.pass_id_hex, decision.reason.value)
                         if decision.claims is not None else None)
            if same_pass is not None:
                held = self._held_denials.get(same_pass)
                self._hold_denial(same_pass, now)
                self._hold_denial(text, now, same_pass)
                if held is not None and 0 <= now - held[0] <= self.hold_seconds:
                    return None
                return decision
            self._hold_denial(text, now)
            return decision

    def _door_rules(self, decision: Decision, now: float) -> Decision:
        """A valid pass against this door's schedule and anti-passback."""
        config = self.config
        if config is None or self.mode == "unlocked":
            return decision  # emergency unlock: the door stands open anyway
        closed = config.closed_reason(now)
        if closed is not None:
            return replace(decision, reason=Reason.WRONG_DOOR, detail=closed,
                           detail_code="door.closed")
        if self.passback is not None and config.side is not None and decision.claims:
            why = self.passback.denial(decision.claims.pass_id_hex, config.side, now)
            if why is not None:
                return replace(decision, reason=Reason.REPLAYED, detail=why,
                               detail_code="door.passback")
        return decision

    def _hold_denial(self, text: _Held, now: float, same_pass: _Held | None = None) -> None:
        if len(self._held_denials) >= _MAX_HELD_DENIALS:
            cutoff = now - self.hold_seconds
            self._held_denials = {t: h for t, h in self._held_denials.items() if h[0] >= cutoff}
            if len(self._held_denials) >= _MAX_HELD_DENIALS:
                self._held_denials.clear()  # a flood of junk codes: forget, never grow
        self._held_denials[text] = (now, same_pass)

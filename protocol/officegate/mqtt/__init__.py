"""The one place that builds MQTT clients and, with zero set-up, an embedded broker."""

from officegate.mqtt.client import (
    BrokerAddress,
    SubscribeOnConnect,
    make_client,
    parse_mqtt_url,
)

__all__ = ["BrokerAddress", "SubscribeOnConnect", "make_client", "parse_mqtt_url"]

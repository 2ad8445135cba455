"""The edge agent at a gate, door or vending machine.

A pipeline of small stages: camera (frames) -> decoders (QR text) -> verifier (offline
decision) -> actuator (relay, LEDs, buzzer) -> outbox (durable events) -> link (MQTT).
``agent.EdgeAgent`` wires them; ``config.EdgeConfig`` describes one device.
"""

"""Simulated hardware and people that drive the real edge code.

phone (the pass page as a phone screen), camera (640x480 frames of it with realistic
variation), board (gpiozero MockFactory with recorded pin changes), visitor (a phone showing
exactly what the pass page shows).
"""

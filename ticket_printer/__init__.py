"""一窗 ticket printer: thermal tickets in Chinese over ESC/POS, and the kiosk
that prints each ticket its ticket machine issues, once (`ticket-printer`)."""

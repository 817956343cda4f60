"""The hand-off to sales, as pure logic: routing, the first-touch SLA, feedback reasons, webhook
signatures, CRM export columns and the alignment report's arithmetic. No I/O, no clock: the
services in ``leadqual.services`` read the store and pass ``now`` in."""

"""Issue 16, item 3, on every demo scenario in both profiles: a conversation's id (the run's
`group_id`) and its user's id (trace metadata "user.id") are on every span and every event (log
record) of the run, and on no metric point: metric attributes must stay low-cardinality, and a
conversation or user id is one value per conversation or user."""

from __future__ import annotations

from .conftest import GROUP_ID, USER_ID, Capture, attrs, points

IDS = {"gen_ai.conversation.id": GROUP_ID, "user.id": USER_ID}


def test_every_span_carries_the_conversation_and_user_ids(run: Capture) -> None:
    assert run.spans, run.id
    for span in run.spans:
        values = attrs(span)
        got = {key: values.get(key) for key in IDS}
        assert got == IDS, f"{run.id}: span {span.name!r}"


def test_every_log_record_carries_the_conversation_and_user_ids(run: Capture) -> None:
    assert run.logs, run.id
    for row in run.logs:
        values = attrs(row.log_record)
        got = {key: values.get(key) for key in IDS}
        assert got == IDS, f"{run.id}: log record {row.log_record.event_name!r}"


def test_no_metric_point_carries_a_conversation_or_user_id(run: Capture) -> None:
    """By key and by value: an id copied under another name is as bad for cardinality."""
    found = 0
    for m in run.metrics:
        for point in points(m):
            found += 1
            values = attrs(point)
            leaked = sorted(k for k, v in values.items() if k in IDS or v in (GROUP_ID, USER_ID))
            assert not leaked, f"{run.id}: {m.name} point carries {leaked}"
    assert found, f"{run.id}: no metric point at all"

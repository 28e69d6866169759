"""A sweep batch's transitions as handlers see them: grouped arrays that read as a sequence."""

import pytest

from efficiency.registry import Transition, Transitions, items_crossing


def test_grouped_transitions_read_as_a_sequence_of_transitions():
    t = Transitions([(0, 2, [10, 11], [1, 2]), (1, 5, [12], [3]), (2, 3, [], [])])
    assert len(t) == 3 and bool(t)
    assert list(t) == [Transition(10, 1, 0, 2), Transition(11, 2, 0, 2), Transition(12, 3, 1, 5)]
    assert t[0] == Transition(10, 1, 0, 2) and t[2].level_to == 5 and t[-1].item_id == 3
    with pytest.raises(IndexError):
        t[3]
    assert not Transitions([])


def test_items_crossing_a_rung_from_groups_and_from_a_plain_list():
    t = Transitions([(0, 2, [10, 11], [1, 2]), (1, 5, [12], [3])])
    assert items_crossing(t, 1) == [1, 2]
    assert items_crossing(t, 2) == [1, 2, 3]
    assert items_crossing(t, 5) == [3]
    assert items_crossing(t, 0) == []
    assert items_crossing(list(t), 2) == [1, 2, 3]

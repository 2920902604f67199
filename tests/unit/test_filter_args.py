"""One parser for the dashboard, exports and API: good filters read, bad ones named."""

from __future__ import annotations

import pytest

from voice_app.filter_args import parse_breakdowns, parse_filters
from voice_app.models import Audience
from voice_app.periods import Quarter
from voice_app.priorities import FilterError


def newest() -> int:
    return 3


def parse(args, **kwargs):
    return parse_filters(args, newest, **kwargs)


def test_nothing_asked_means_everything_in_the_newest_framework():
    filters = parse({})
    assert filters.framework_version == 3
    assert (filters.audiences, filters.area_codes, filters.session_ids) == ((), (), ())
    assert filters.first_quarter is None and filters.last_quarter is None


def test_every_argument_is_read():
    filters = parse(
        {
            "framework": ["1"],
            "audience": ["parent_carer", "child_4_7", "parent_carer"],
            "area": ["E06000001", " DEMO "],
            "session": ["12"],
            "from": ["2026-q1"],
            "to": ["2026Q3"],
        }
    )
    assert filters.framework_version == 1
    assert filters.audiences == (Audience.PARENT_CARER, Audience.CHILD_4_7)  # repeats once
    assert filters.area_codes == ("E06000001", "DEMO")
    assert filters.session_ids == (12,)
    assert (filters.first_quarter, filters.last_quarter) == (Quarter(2026, 1), Quarter(2026, 3))
    assert filters.as_dict()["first_quarter"] == "2026-Q1"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"framework": ["one"]}, "framework"),
        ({"framework": ["²"]}, "framework"),  # a digit to str.isdigit, not to int()
        ({"framework": ["1", "2"]}, "framework"),
        ({"framework": ["9" * 30]}, "framework"),
        ({"audience": ["toddler"]}, "audience"),
        ({"area": ["E1\x00"]}, "area"),
        ({"area": ["<script>"]}, "area"),
        ({"area": ["x" * 33]}, "area"),
        ({"session": ["-1"]}, "session"),
        ({"session": ["٣"]}, "session"),  # Arabic-Indic three
        ({"from": ["2026-Q5"]}, "from"),
        ({"to": ["last year"]}, "to"),
        ({"from": ["2026-Q3"], "to": ["2026-Q1"]}, "to"),
        ({"session": [str(n) for n in range(201)]}, "session"),
    ],
)
def test_bad_values_name_their_argument(args, code):
    with pytest.raises(FilterError) as error:
        parse(args)
    assert error.value.code == code


def test_no_framework_at_all_is_refused():
    with pytest.raises(FilterError) as error:
        parse_filters({}, lambda: None)
    assert error.value.code == "framework"


def test_a_token_scope_limits_the_areas():
    assert parse({}, allowed_areas=["E2", "E1"]).area_codes == ("E1", "E2")
    assert parse({"area": ["E2"]}, allowed_areas=["E1", "E2"]).area_codes == ("E2",)
    for args, allowed in [({"area": ["E3"]}, ["E1"]), ({}, [])]:
        with pytest.raises(FilterError) as error:
            parse(args, allowed_areas=allowed)
        assert error.value.code == "area_scope"


def test_breakdowns():
    assert parse_breakdowns({"by": ["audience", "quarter"]}) == ("audience", "quarter")
    assert parse_breakdowns({}) == ()
    with pytest.raises(FilterError) as error:
        parse_breakdowns({"by": ["postcode"]})
    assert error.value.code == "by"

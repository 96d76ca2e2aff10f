"""The statistical signal on generated trusts: sparse clusters that are improbable for a
ward signal, aggregate counts that only wobble do not, and every signalling source says how
far its count is above what was expected."""

from __future__ import annotations

SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")


def test_two_inquests_on_one_ward_signal(refreshed_trusts):
    workspace, truth = refreshed_trusts("pressure_and_medication")
    [pair] = [d for d in truth["decoys"] if d["name"] == "inquest_pair_ward_10"]
    assert pair["planted"]["inquests"]["count"] == 2
    [(count, expected, p_value, q_value, signalling)] = workspace.query(
        "select inquests_recent_count, inquests_expected_count, inquests_p_value, "
        "inquests_q_value, inquests_is_signalling from theme_signals "
        "where theme_id = 'diagnosis' and unit_id = 'LOC-W10'")
    assert count >= 2
    assert expected < 0.5  # a ward that rarely sees an inquest about diagnosis
    assert signalling, (count, expected, p_value, q_value)
    assert q_value <= 0.05


def test_directorate_fft_counts_do_not_signal_on_their_wobble(refreshed):
    """FFT counts at directorate level are the largest in the trust, and the demo's vary from
    month to month beyond chance (scenario overdispersion). No theme may signal in FFT at a
    directorate unless an FFT problem or decoy was planted in it."""
    workspace, truth = refreshed
    planted = {(p["theme"], p["unit"]["value"] if p["unit"]["level"] == "directorate"
                else workspace.query("select directorate from locations where location_id = ?",
                                     [p["unit"]["value"]])[0][0])
               for p in truth["problems"] + truth["decoys"] if "fft" in p["sources"]}
    rows = workspace.query(
        "select theme_id, unit_id, fft_recent_count, fft_expected_count from theme_signals "
        "where unit_level = 'directorate' and fft_is_signalling")
    unexplained = [row for row in rows if (row[0], row[1]) not in planted]
    assert not unexplained
    [(tested,)] = workspace.query(
        "select count(*) from theme_signals where unit_level = 'directorate' "
        "and fft_p_value is not null and fft_recent_count >= 20")
    assert tested > 0, "no large FFT count was tested"


def test_signalling_sources_are_above_their_expected_counts(scenario_trust):
    workspace, _, _ = scenario_trust
    for source in SOURCES:
        rows = workspace.query(
            f"select {source}_recent_count, {source}_expected_count, {source}_p_value "
            f"from theme_signals where {source}_is_signalling")
        for count, expected, p_value in rows:
            assert expected is not None and count > expected, (source, count, expected)
            assert 0 <= p_value < 0.5


def test_hotspots_use_the_same_signal(refreshed):
    workspace, _ = refreshed
    [(untested, tested)] = workspace.query(
        "select count(*) filter (where themes_signalling is null), "
        "count(*) filter (where themes_signalling is not null) from hotspots")
    # A two-year trust: the first year's quarters have no full baseline to test against.
    assert untested > 0 and tested > 0
    [(latest_quarter, locations)] = workspace.query(
        "select max(quarter_start), count(distinct location_id) filter "
        "(where themes_signalling > 0) from hotspots")
    assert latest_quarter is not None and locations > 0


def test_each_rationale_names_the_recent_window_as_it_really_is(refreshed):
    """The window ends with the latest month in the data (int_signal_windows), which may be
    part-way through: the rationale names its months (and a part month's last day), never
    "the last 6 months"."""
    import datetime as dt

    workspace, truth = refreshed
    as_of = dt.date.fromisoformat(truth["generator"]["end_date"])
    rows = workspace.query("select rationale, recent_start_month, recent_end_month "
                           "from psirp_local_priorities")
    assert rows
    for rationale, start, end in rows:
        next_month = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
        last = (f"{as_of.day} {as_of:%b %Y}" if as_of < next_month - dt.timedelta(days=1)
                else f"{end:%b %Y}")
        assert f" records from {start:%b %Y} to {last} where " in rationale, rationale
        assert "in the last" not in rationale

"""The set-based scoring service: SQL agrees with the pure functions; reruns, locks, failures, alerts."""

import datetime

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from relationships.models import AccountScore, AccountScoreDetail, ScoreAlert, ScoringRun, ScoringRunChunk
from relationships.scoring import services
from relationships.scoring.models import Band
from relationships.tests import scoring_reference as scoring
from relationships.tests.scoring_helpers import TODAY, interact, monthly_revenue, snapshot_rows

pytestmark = pytest.mark.django_db


def score_now(day=None):
    run = services.scoring_run_now(scored_on=day or TODAY())
    assert run is not None and run.status == ScoringRun.Status.SUCCEEDED
    return run


def score_of(account, day=None) -> AccountScore:
    return AccountScore.objects.get(account=account, scored_on=day or TODAY())


def detail_of(account, day=None) -> AccountScoreDetail:
    return AccountScoreDetail.objects.get(account=account, scored_on=day or TODAY())


def test_sql_measures_agree_with_the_pure_functions(personas):
    account = personas.alice_account
    for category, days_ago in (
        ("value_adding", 10),
        ("firefighting", 100),
        ("escalation", 5),
        ("relationship", 200),
    ):
        interact(account, category, days_ago)
    score_now()
    snapshot, detail = score_of(account), detail_of(account)
    mix, recency, trend, _people, plan, commercial, escalations = detail.measure_scores
    pairs = [("value_adding", 10), ("firefighting", 100), ("escalation", 5), ("relationship", 200)]
    assert mix == pytest.approx(scoring.mix_score_of(pairs, 90), abs=0.01)
    assert recency == pytest.approx(scoring.recency_score(5, 120), abs=0.01)
    assert trend == pytest.approx(scoring.trend_score(2, 1), abs=1e-3)
    assert escalations == scoring.escalation_score(1, True)
    assert plan is None and commercial is None
    assert snapshot.health == pytest.approx(sum(c for c in detail.contributions if c is not None), abs=0.05)


def test_account_without_interactions_has_insufficient_data_and_segment_or_default_retention(personas):
    monthly_revenue(personas.bob_account, 12, revenue=1000, margin=100)
    score_now()
    snapshot = score_of(personas.bob_account)
    assert snapshot.band == "insufficient" and snapshot.health is None
    assert snapshot.retention_source == "default" and snapshot.retention == 0.75
    assert detail_of(personas.bob_account).annual_margin == pytest.approx(1200)
    assert snapshot.clv == pytest.approx(scoring.clv(1200, 0.75, 0.10, 5), abs=1e-3)
    assert len(snapshot.clv_curve) == 5


def test_missing_revenue_gives_no_clv_but_a_health_score(personas):
    interact(personas.alice_account, "value_adding", 3)
    score_now()
    snapshot = score_of(personas.alice_account)
    assert snapshot.band == "green" and snapshot.clv is None and snapshot.clv_curve == []


def test_clv_uses_retention_from_health(personas, settings):
    settings.CLV_HORIZON_YEARS = 0
    account = personas.alice_account
    interact(account, "value_adding", 3)
    monthly_revenue(account, 24, revenue=1000, margin=250, growth=0.01)
    score_now()
    snapshot = score_of(account)
    assert snapshot.retention_source == "health"
    assert snapshot.retention == pytest.approx(
        scoring.retention_from_health(snapshot.health, 0.5, 0.95), abs=1e-4
    )
    assert snapshot.clv == pytest.approx(scoring.clv(3000, snapshot.retention, 0.10, None), abs=1e-3)
    assert len(snapshot.clv_curve) == 10
    assert detail_of(account).measure_scores[5] > 50  # revenue grew


def test_rerun_the_same_day_replaces_and_never_duplicates(personas):
    interact(personas.alice_account, "value_adding", 3)
    score_now()
    first, health = snapshot_rows(), score_of(personas.alice_account).health
    score_now()
    assert snapshot_rows() == first  # identical rows, computed_at included
    assert (AccountScore.objects.count(), AccountScoreDetail.objects.count()) == (2, 2)
    interact(personas.alice_account, "escalation", 1)
    score_now()
    assert (AccountScore.objects.count(), AccountScoreDetail.objects.count()) == (2, 2)
    assert score_of(personas.alice_account).health < health


def test_snapshots_are_kept_per_day_with_a_30_day_trend(personas):
    account = personas.alice_account
    interact(account, "value_adding", 40)
    score_now(TODAY() - datetime.timedelta(days=30))
    interact(account, "firefighting", 1)
    score_now()
    old, new = score_of(account, TODAY() - datetime.timedelta(days=30)), score_of(account)
    assert new.trend_30d == pytest.approx(new.health - old.health, abs=0.01)


@pytest.mark.django_db(databases=["default", "owner"])
def test_overlapping_run_is_refused_by_the_advisory_lock(personas):
    other_session = connections["owner"].cursor()
    other_session.execute("SELECT pg_advisory_lock(%s, 0)", [services.LOCK_CLASS_RUN])
    try:
        assert services.scoring_run_begin(scored_on=TODAY(), trigger="test") is None
        assert services.scoring_run_now(scored_on=TODAY()) is None
    finally:
        other_session.execute("SELECT pg_advisory_unlock(%s, 0)", [services.LOCK_CLASS_RUN])
    assert ScoringRun.objects.count() == 0
    assert services.scoring_run_begin(scored_on=TODAY(), trigger="test") is not None


def test_a_run_still_running_blocks_the_next_until_it_is_stale(personas, settings):
    run, _ranges = services.scoring_run_begin(scored_on=TODAY(), trigger="test")
    assert services.scoring_run_begin(scored_on=TODAY(), trigger="test") is None
    ScoringRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(hours=7))
    assert services.scoring_run_begin(scored_on=TODAY(), trigger="test") is not None
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.ABANDONED


def test_a_chunk_dying_mid_run_leaves_the_previous_snapshot_and_a_rerun_completes(personas, monkeypatch):
    yesterday = TODAY() - datetime.timedelta(days=1)
    interact(personas.alice_account, "value_adding", 3)
    score_now(yesterday)
    before = snapshot_rows(yesterday)
    run, ranges = services.scoring_run_begin(scored_on=TODAY(), trigger="test", chunk_size=1)
    assert len(ranges) == 2
    lo, hi = ranges[0]

    def worker_killed(*args, **kwargs):
        raise RuntimeError("worker killed after writing the scores")

    with monkeypatch.context() as patch:
        patch.setattr(services, "score_alerts_raise", worker_killed)
        with pytest.raises(RuntimeError):
            services.scoring_chunk_compute(
                scored_on=TODAY(), first_account_id=lo, last_account_id=hi, run_id=run.pk
            )
    assert not AccountScore.objects.filter(scored_on=TODAY()).exists()
    assert not AccountScoreDetail.objects.filter(scored_on=TODAY()).exists()
    assert snapshot_rows(yesterday) == before
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.RUNNING and run.chunks_done == 0

    for lo, hi in ranges:  # the redelivered chunk, and the other one
        services.scoring_chunk_compute(
            scored_on=TODAY(), first_account_id=lo, last_account_id=hi, run_id=run.pk
        )
    services.scoring_chunk_compute(scored_on=TODAY(), first_account_id=lo, last_account_id=hi, run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.accounts) == (ScoringRun.Status.SUCCEEDED, 2, 2)
    assert ScoringRunChunk.objects.filter(run=run).count() == 2
    assert AccountScore.objects.filter(scored_on=TODAY()).count() == 2


def test_a_chunk_failing_for_good_closes_the_run_with_failures(personas):
    run, ranges = services.scoring_run_begin(scored_on=TODAY(), trigger="test", chunk_size=1)
    services.scoring_chunk_fail(
        run_id=run.pk, first_account_id=ranges[0][0], last_account_id=ranges[0][1], error="boom"
    )
    services.scoring_chunk_compute(
        scored_on=TODAY(), first_account_id=ranges[1][0], last_account_id=ranges[1][1], run_id=run.pk
    )
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.chunks_failed) == (ScoringRun.Status.FAILED, 1, 1)
    assert run.finished_at is not None


def test_band_drop_alerts_the_owner_once(personas):
    account = personas.alice_account
    for days_ago in (5, 6, 7):
        interact(account, "value_adding", days_ago)
    score_now(TODAY() - datetime.timedelta(days=2))
    assert score_of(account, TODAY() - datetime.timedelta(days=2)).band == "green"
    for days_ago in (0, 1, 1, 1):
        interact(account, "escalation", days_ago)
    for _ in range(2):  # a rerun the same day
        score_now(TODAY() - datetime.timedelta(days=1))
    score_now()  # still down the next night: the same episode
    assert score_of(account).band in ("amber", "red")
    alerts = ScoreAlert.objects.filter(account=account, kind="band_drop")
    assert alerts.count() == 1
    assert alerts.get().user == personas.alice
    assert alerts.get().episode_on == TODAY() - datetime.timedelta(days=1)


def test_mostly_firefighting_alerts_once_per_episode(personas):
    account = personas.bob_account
    for days_ago in (1, 2, 3, 4):
        interact(account, "firefighting", days_ago)
    interact(account, "value_adding", 5)
    score_now(TODAY() - datetime.timedelta(days=1))
    score_now()
    score_now()
    alerts = ScoreAlert.objects.filter(account=account, kind=ScoreAlert.Kind.MOSTLY_FIREFIGHTING)
    assert alerts.count() == 1 and alerts.get().user == personas.bob
    assert detail_of(account).mostly_firefighting


def test_the_database_refuses_a_band_that_is_not_a_band(personas):
    score_now()
    with pytest.raises(IntegrityError, match="score_band_known"), transaction.atomic():
        AccountScore.objects.filter(account=personas.alice_account).update(band="purple")
    assert score_of(personas.alice_account).band == Band.INSUFFICIENT


def test_settings_change_needs_permission_and_valid_thresholds(personas):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.scoring_settings_update(actor=personas.alice, green_from=80)
    with pytest.raises(ValidationError):
        services.scoring_settings_update(actor=personas.admin, green_from=30, amber_from=40)
    assert (
        services.scoring_settings_update(actor=personas.admin, weight_interaction_mix=50).weights()[0] == 50
    )


def test_changed_weights_apply_to_the_next_run(personas):
    interact(personas.alice_account, "firefighting", 1)
    score_now()
    before = score_of(personas.alice_account).health
    services.scoring_settings_update(actor=personas.admin, weight_interaction_mix=0)
    score_now()
    assert score_of(personas.alice_account).health > before

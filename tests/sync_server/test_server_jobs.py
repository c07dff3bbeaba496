"""Scheduled jobs: reminders under a moved clock, exactly once across runners, restart safety."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from factories import create_args, new_id
from sqlalchemy import select

from sync_protocol.notices import accept_reminder_at, deadline_passed_at, deadline_soon_at
from sync_server.context import build_context
from sync_server.jobs import leases
from sync_server.jobs.models import ScheduledJob
from sync_server.jobs.runner import JobRunner
from sync_server.sync.models import SyncRow


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _runner(context, clock, **kwargs):
    return JobRunner(sessions=context.sessions, sealer=context.sealer,
                     notifier=context.notifier, clock=clock, **kwargs)


def _send(de, hu, answer_by=None):
    case_id = new_id()
    results = de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               answer_by=answer_by)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return case_id


def _notices(peer):
    return [c["data"] for c in peer.pull_all() if c["kind"] == "notice" and c["data"]]


def test_a_moved_clock_fires_each_reminder_once_to_the_side_that_must_act(server):
    de, hu = server.peer("DE"), server.peer("HU")
    now = dt.datetime.now(dt.UTC)
    answer_by = (now + dt.timedelta(days=30)).date()
    case_id = _send(de, hu, answer_by=answer_by)
    clock = Clock(now)
    runner = _runner(server.context, clock)
    de.pull_all(), hu.pull_all()

    assert runner.tick() == 0  # nothing is due yet
    clock.now = accept_reminder_at(now) + dt.timedelta(minutes=1)
    assert runner.tick() == 1
    assert [(n["case_id"], n["kind"]) for n in _notices(hu)] == [(case_id, "accept_reminder")]
    assert _notices(de) == []  # the requester has nothing to do
    assert runner.tick() == 0  # and never again

    accepted = hu.step("case.accept", {"case_id": case_id}, base_version=2)
    assert accepted["status"] == "applied"
    clock.now = deadline_soon_at(answer_by) + dt.timedelta(minutes=1)
    assert runner.tick() == 1
    assert [n["kind"] for n in _notices(hu)] == ["deadline_soon"]
    clock.now = deadline_passed_at(answer_by) + dt.timedelta(minutes=1)
    assert runner.tick() == 1
    assert [n["kind"] for n in _notices(hu)] == ["deadline_passed"]
    assert [n["kind"] for n in _notices(de)] == ["deadline_passed"]


def test_a_job_whose_case_moved_on_ends_without_a_notice(server):
    de, hu = server.peer("DE"), server.peer("HU")
    now = dt.datetime.now(dt.UTC)
    case_id = _send(de, hu)
    assert de.step("case.withdraw", {"case_id": case_id, "reason": {"text": "x", "lang": "de"}},
                   base_version=2)["status"] == "applied"
    hu.pull_all()
    clock = Clock(now + dt.timedelta(days=120))
    assert _runner(server.context, clock).tick() >= 3  # reminder, deadlines, inactivity
    assert _notices(hu) == []
    assert server.count(ScheduledJob, ScheduledJob.state != leases.DONE) == 0


def test_two_runners_with_their_own_engines_run_every_job_exactly_once(server):
    de, hu = server.peer("DE"), server.peer("HU")
    now = dt.datetime.now(dt.UTC)
    cases = [_send(de, hu) for _ in range(12)]
    clock = Clock(accept_reminder_at(now) + dt.timedelta(hours=1))
    contexts = [build_context(server.settings) for _ in range(2)]
    runners = [_runner(context, clock) for context in contexts]
    start = threading.Barrier(2)

    def run(runner):
        start.wait()  # both claim at the same moment
        return runner.tick()

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            finished = list(pool.map(run, runners))  # a runner's exception is raised here
    finally:
        for context in contexts:
            context.engine.dispose()
    assert sum(finished) == len(cases)
    notices = server.rows(select(SyncRow.entity_id).where(SyncRow.kind == "notice"))
    assert len(notices) == len(cases)
    assert sorted(n["case_id"] for n in _notices(hu)) == sorted(cases)
    attempts = server.rows(select(ScheduledJob.attempts, ScheduledJob.state)
                           .where(ScheduledJob.kind == "accept_reminder"))
    assert attempts == [(1, "done")] * len(cases)


def test_a_job_claimed_by_a_runner_that_died_runs_again_after_its_lease(server):
    de, hu = server.peer("DE"), server.peer("HU")
    now = dt.datetime.now(dt.UTC)
    _send(de, hu)
    hu.pull_all()
    due = accept_reminder_at(now) + dt.timedelta(minutes=1)
    lease = dt.timedelta(minutes=5)
    dead = _runner(server.context, Clock(due), owner="dead", lease=lease)
    with server.context.sessions.begin() as session:
        (claimed,) = leases.claim(session, ScheduledJob, now=due, owner="dead", lease=lease,
                                  limit=1)
    clock = Clock(due + dt.timedelta(minutes=1))
    alive = _runner(server.context, clock, owner="alive", lease=lease)
    assert alive.tick() == 0  # the lease still holds
    clock.now = due + lease + dt.timedelta(seconds=1)
    assert alive.tick() == 1
    assert dead.run_one(claimed, now=clock.now) == 0  # too late: it no longer owns the job
    assert [n["kind"] for n in _notices(hu)] == ["accept_reminder"]
    job = server.scalar(select(ScheduledJob).where(ScheduledJob.id == claimed))
    assert (job.state, job.attempts, job.owner) == ("done", 2, "alive")


def test_scheduling_the_same_job_twice_keeps_one_row(server):
    de, hu = server.peer("DE"), server.peer("HU")
    case_id = _send(de, hu)
    before = server.count(ScheduledJob, ScheduledJob.subject_id == case_id)
    # The same step's jobs again (a second instance, a retry): no new rows, no error.
    from sync_server.cases.service import load_case
    from sync_server.jobs import case_jobs
    with server.context.sessions.begin() as session:
        case = load_case(session, server.context.sealer, case_id, lock=False)
        case_jobs.after_step(session, case, action="send", actor_authority=de.authority_id,
                             now=case.updated_at)
    assert server.count(ScheduledJob, ScheduledJob.subject_id == case_id) == before == 4

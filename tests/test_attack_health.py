"""/healthz tells the truth: 503 whenever a report would be refused or nobody can be paged,
and 200 again by itself once the cause is gone."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.config import EmailSettings
from bot.server import RUNTIME, create_app
from handlers.actors import Actor
from handlers.cases import report_inquiry
from handlers.conversations import remember_reference


def with_email(settings):
    email = EmailSettings(host="127.0.0.1", port=2525, starttls=False, sender="pg@example.org")
    return settings.model_copy(update={"email": email})


def page_count(services) -> int:
    return services.store.call(
        lambda db: db.execute("PRAGMA page_count").fetchone()[0], transaction=False
    )


def cap_pages(services, pages: int) -> None:
    services.store.call(lambda db: db.execute(f"PRAGMA max_page_count={pages}"), transaction=False)


async def health(client: TestClient) -> tuple[int, dict]:
    answer = await client.get("/healthz")
    return answer.status, await answer.json()


async def test_a_full_disk_is_503_while_reports_are_refused_and_200_once_space_returns(
    settings, db_path
):
    app = create_app(with_email(settings), db_path, {}, slack=False, teams=False)
    async with TestClient(TestServer(app)) as client:
        runtime = app[RUNTIME]
        services = runtime.services
        await runtime.pager.run_once()
        assert (await health(client))[0] == 200
        # The disk fills up: reports are taken until one no longer fits.
        cap_pages(services, page_count(services) + 40)
        for n in range(500):
            if (await report_inquiry(services, Actor("console", f"desk-{n}"))).refused:
                break
        else:
            raise AssertionError("the capped file never filled up")
        status, body = await health(client)
        assert status == 503 and body["database_writable"] is False
        cap_pages(services, 1_000_000)  # space is back
        status, body = await health(client)
        assert status == 200 and body["database_writable"] is True
        assert not (await report_inquiry(services, Actor("console", "desk-1"))).refused


async def test_nobody_reachable_is_503_with_their_names(settings, db_path):
    # Every officer is paged only in Teams, and nobody has opened PatronGuard there yet.
    officers = [
        o.model_copy(update={"slack_id": None, "email": None, "teams_id": f"29:1officer-{n}"})
        for n, o in enumerate(settings.officers)
    ]
    only_teams = settings.model_copy(update={"officers": officers})
    app = create_app(only_teams, db_path, {}, slack=False, teams=True)
    async with TestClient(TestServer(app)) as client:
        await app[RUNTIME].pager.run_once()
        status, body = await health(client)
        assert status == 503 and body["officers_reachable"] == 0
        assert body["officers_unreachable"] == [o.name for o in settings.officers]
        assert body["database_writable"] is True


async def test_a_teams_officer_counts_once_they_have_opened_the_app(settings, db_path):
    officer = settings.officers[0].model_copy(
        update={"slack_id": None, "email": None, "teams_id": "29:1dana"}
    )
    only_teams = settings.model_copy(update={"officers": [officer]})
    app = create_app(only_teams, db_path, {}, slack=False, teams=True)
    async with TestClient(TestServer(app)) as client:
        runtime = app[RUNTIME]
        await runtime.pager.run_once()
        status, body = await health(client)
        assert status == 503 and body["officers_unreachable"] == [officer.name]
        await remember_reference(runtime.services, "29:1dana", {"conversation": {"id": "a:1"}})
        status, body = await health(client)
        assert status == 200 and body["officers_reachable"] == 1

"""The load test's workload: the register's people at work, through the load balancer.

Run by ``bench/load.py`` (which starts two web nodes behind HAProxy on a generated database and
writes the people's credentials), or by hand against a running deployment of a *test* database:

    LOAD_USERS=people.json locust -f bench/locustfile.py --headless \\
        --host http://127.0.0.1:8080 --users 50 --spawn-rate 10 --run-time 60s

Loopback only: the test refuses any other host. Three kinds of people, in proportion:

* **contributors** (6 in 10): the register filtered to their team, a risk's page, their system's
  page, the mitigations list; now and then a change to one of their risks through the API
  (read, then ``PATCH`` with ``If-Match``: 412/409 never happen to one writer per risk);
* **committee members** (2 in 10): the dashboard, their review queue, a system's safety plan,
  the register filtered by level;
* **auditors** (2 in 10): the API's risk list page by page, a record's history, the audit log,
  and a team's register as CSV.

Each page is named by its URL pattern (``/risks/[id]/``), not by the URL, so the statistics
group per endpoint.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The people bench/load.py prepared (LOAD_USERS: the file it wrote).
PEOPLE = json.loads(Path(os.environ["LOAD_USERS"]).read_text())
RNG = random.Random()  # noqa: S311 - a workload, not a secret


@events.test_start.add_listener
def loopback_only(environment, **_):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"The load test runs against this machine only, not {host!r}.")


def _pick(kind: str) -> dict:
    return RNG.choice(PEOPLE[kind])


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = ""

    def on_start(self):
        self.me = _pick(self.kind)
        self.sign_in()

    def sign_in(self):
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text)[1]
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.me["email"],
                "password": PEOPLE["password"],
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ (sign in)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in refused: {answer.status_code}")

    def page(self, url: str, name: str):
        return self.client.get(url, name=name)


class Contributor(Person):
    weight = 6
    kind = "contributors"

    @task(4)
    def register_of_my_team(self):
        self.page(f"/risks/?team={self.me['team']}&ordering=-residual", "/risks/?team=")

    @task(3)
    def a_risk(self):
        self.page(f"/risks/{RNG.choice(self.me['risks'])}/", "/risks/[id]/")

    @task(2)
    def my_system(self):
        self.page(f"/systems/{RNG.choice(self.me['systems'])}/", "/systems/[id]/")

    @task(1)
    def mitigations(self):
        self.page(f"/mitigations/?team={self.me['team']}", "/mitigations/?team=")

    @task(1)
    def search_the_register(self):
        self.page("/risks/?q=prompt+injection", "/risks/?q=")

    @task(1)
    def change_a_risk(self):
        """Read, then PATCH with the read's ETag (the API's optimistic concurrency)."""
        risk = RNG.choice(self.me["risks"])
        headers = {"Authorization": f"Bearer {self.me['token']}"}
        read = self.client.get(
            f"/api/v1/risks/{risk}/", headers=headers, name="/api/v1/risks/[id]/"
        )
        if read.status_code != 200:
            return
        self.client.patch(
            f"/api/v1/risks/{risk}/",
            json={
                "residual_likelihood": read.json()["residual_likelihood"],
                "change_reason": "Load test",
            },
            headers={**headers, "If-Match": read.headers["ETag"]},
            name="/api/v1/risks/[id]/ (PATCH)",
        )


class CommitteeMember(Person):
    weight = 2
    kind = "committee"

    @task(3)
    def dashboard(self):
        self.page("/", "/ (dashboard)")

    @task(2)
    def my_queue(self):
        self.page("/reviews/queue/", "/reviews/queue/")

    @task(2)
    def a_safety_plan(self):
        self.page(f"/reviews/plans/{RNG.choice(PEOPLE['systems'])}/", "/reviews/plans/[id]/")

    @task(2)
    def critical_risks(self):
        self.page("/risks/?residual_level=critical&ordering=-residual", "/risks/?residual_level=")


class Auditor(Person):
    weight = 2
    kind = "auditors"

    def api(self, url: str, name: str):
        return self.client.get(
            url, headers={"Authorization": f"Bearer {self.me['token']}"}, name=name
        )

    def on_start(self):
        super().on_start()
        self.api_page = 1

    @task(4)
    def page_through_the_risks(self):
        answer = self.api(
            f"/api/v1/risks/?page={self.api_page}&page_size=100", "/api/v1/risks/?page="
        )
        self.api_page = self.api_page + 1 if answer.ok and answer.json().get("next") else 1

    @task(2)
    def history_of_a_risk(self):
        self.api(
            f"/api/v1/risks/{RNG.choice(PEOPLE['risks'])}/history/",
            "/api/v1/risks/[id]/history/",
        )

    @task(1)
    def audit_log(self):
        self.page("/audit-log/", "/audit-log/")

    @task(1)
    def export_a_team(self):
        team = RNG.choice(PEOPLE["teams"])
        self.api(f"/api/v1/exports/risks.csv?team={team}", "/api/v1/exports/risks.csv?team=")

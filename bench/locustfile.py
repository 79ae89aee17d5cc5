"""The load test's people: ST-läkare, handledare and studierektorer in the weeks before årsbesök.

Run by bench/load.py, which starts the server and names the accounts in the JSON file
that BENCH_ACCOUNTS points to (written from the seeded data: who is a trainee, whom
each handledare supervises, who leads units). Each simulated person logs in once with
the login form, as a person would, and then reads the pages of their role.
"""

import itertools
import json
import os
import random
import re

import urllib3
from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["BENCH_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN = "/konto/logga-in/"
# The server's certificate is made for the run and trusted by no one.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
_next_account = {role: itertools.count() for role in ("trainees", "supervisors", "directors")}


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.5, 2.5)

    def on_start(self):
        self.client.verify = False
        accounts = ACCOUNTS[self.role]
        self.account = accounts[next(_next_account[self.role]) % len(accounts)]
        # Which of their trainees a handledare or studierektor opens: repeatable per person.
        self.pick = random.Random(self.account["username"])  # noqa: S311 -- not a secret
        page = self.client.get(LOGIN, name="login form")
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            LOGIN,
            data={
                "username": self.account["username"],
                "password": ACCOUNTS["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + LOGIN},
            name="login",
            catch_response=True,
        ) as response:
            if response.url.rstrip("/").endswith(LOGIN.rstrip("/")):
                response.failure(f"login refused for {self.account['username']}")

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200 and response.url.rstrip("/").endswith(LOGIN.rstrip("/")):
                response.failure("sent back to the login page")


class Trainee(Person):
    role = "trainees"
    weight = 6

    @task(4)
    def start_page(self):
        self.page("/", "start page")

    @task(2)
    def own_page(self):
        self.page(f"/st-lakare/{self.account['trainee']}/", "trainee page")

    @task(2)
    def supervision(self):
        self.page(f"/st-lakare/{self.account['trainee']}/handledning/", "handledning list")

    @task(1)
    def plans(self):
        self.page(f"/st-lakare/{self.account['trainee']}/iup/", "IUP list")

    @task(1)
    def readiness(self):
        self.page(f"/st-lakare/{self.account['trainee']}/ansokan/", "readiness page")


class Supervisor(Person):
    role = "supervisors"
    weight = 3

    @task(3)
    def start_page(self):
        self.page("/", "start page")

    @task(2)
    def overview(self):
        self.page("/st-lakare/", "overview")

    @task(3)
    def trainee_page(self):
        trainee = self.pick.choice(self.account["trainees"])
        self.page(f"/st-lakare/{trainee}/", "trainee page")


class Director(Person):
    role = "directors"
    weight = 1

    @task(3)
    def overview(self):
        self.page("/st-lakare/", "overview")

    @task(2)
    def overview_flagged(self):
        self.page("/st-lakare/?flag=any&sort=attention", "overview, flagged")

    @task(1)
    def overview_sorted(self):
        self.page("/st-lakare/?sort=-months&page=2", "overview, sorted")

    @task(2)
    def trainee_page(self):
        trainee = self.pick.choice(self.account["trainees"])
        self.page(f"/st-lakare/{trainee}/", "trainee page")

    @task(1)
    def statistics(self):
        self.page("/statistik/", "statistics")

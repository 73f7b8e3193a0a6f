"""Logged-in clients per persona (tests.conftest builds the Kaixin world through the real actions)."""

import pytest
from django.test import Client


@pytest.fixture
def client_for(people):
    def make(username):
        client = Client()
        client.force_login(people[username])
        return client

    return make

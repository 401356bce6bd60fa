"""Mirrors functions/publish_desk/: which files of site/ are the page, and the answer CloudFormation gets. The whole
request, as CloudFormation sends it, runs in tests/integration/test_desk.py."""
from __future__ import annotations

import json

import pytest

from functions.publish_desk import app, cfn_response, desk_files


def site(tmp_path, *names: str):
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return tmp_path


def test_the_page_is_every_file_but_hidden_ones_and_a_config_json_of_its_own(tmp_path):
    folder = site(tmp_path, "index.html", "desk.js", "desk.css", "img/logo.svg", ".DS_Store", ".git/x.js",
                  "config.json")
    assert list(desk_files.site_files(folder)) == ["desk.css", "desk.js", "img/logo.svg", "index.html"]


def test_a_site_without_index_html_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no index.html"):
        desk_files.site_files(site(tmp_path, "desk.js"))


def test_a_file_without_a_known_type_is_refused_by_name(tmp_path):
    with pytest.raises(desk_files.UnknownFileTypeError, match=r"site/README: .*'no extension'"):
        desk_files.site_files(site(tmp_path, "index.html", "README"))


def test_publishing_stops_with_a_reason_while_there_is_time_to_give_it(tmp_path, monkeypatch):
    class NoPuts:
        def put_object(self, **request):
            pytest.fail("nothing is put once time is short")
    monkeypatch.setattr(desk_files, "s3_client", NoPuts)
    with pytest.raises(desk_files.OutOfTimeError, match="2 of 2 files not published in time"):
        desk_files.publish("bucket", {}, site(tmp_path, "index.html", "desk.js"), time_left_ms=lambda: 4000)


def test_the_answer_carries_the_request_ids_and_a_reason_cloudformation_can_show(monkeypatch):
    sent = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b""

    monkeypatch.setattr(cfn_response.urllib.request, "urlopen",
                        lambda request, timeout: sent.append(request) or Response())
    event = {"ResponseURL": "https://cloudformation-custom-resource-response.s3.amazonaws.com/x?sig=1",
             "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "RequestId": "r-1",
             "LogicalResourceId": "DeskFiles"}
    document = cfn_response.answer(event, cfn_response.FAILED, "x" * 5000, "desk-files:b", {"Files": 3})
    [request] = sent
    assert (request.get_method(), request.full_url, request.get_header("Content-type")) == (
        "PUT", event["ResponseURL"], "")
    assert json.loads(request.data) == document
    assert document == {"Status": "FAILED", "Reason": "x" * 1000, "PhysicalResourceId": "desk-files:b",
                        "StackId": event["StackId"], "RequestId": "r-1", "LogicalResourceId": "DeskFiles",
                        "NoEcho": False, "Data": {"Files": 3}}


@pytest.mark.parametrize(("event", "physical_id"), [
    ({"RequestType": "Create", "ResourceProperties": {"BucketName": "b1"}}, "desk-files:b1"),
    ({"RequestType": "Update", "ResourceProperties": {"BucketName": "b2"}, "PhysicalResourceId": "desk-files:b1"},
     "desk-files:b2"),  # another bucket: a new resource, and CloudFormation deletes the old one (emptying b1)
    ({"RequestType": "Delete", "ResourceProperties": {"BucketName": "b2"}, "PhysicalResourceId": "desk-files:b1"},
     "desk-files:b1"),
])
def test_one_physical_id_per_bucket(event, physical_id):
    assert app.physical_id_of(event) == physical_id

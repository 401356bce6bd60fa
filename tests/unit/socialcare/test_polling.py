"""Polling X mentions: the cursor (since_id of the first page, next_token while paginating), the queue, and the
mentions timeline call. Real moto DynamoDB/SQS from the `cloud` fixture; X answered by `responses`."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
import responses

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, PollFailedError
from socialcare.platforms import x_poll
from socialcare.platforms.x_poll import X_MENTIONS_SOURCE, mentions_timeline_page, poll_x_mentions
from socialcare.polling import PollResult, poll_source
from socialcare.storage import cursors as cursors_module
from socialcare.storage.cursors import PollCursorRecord
from socialcare.storage.records import CASE_RECORD, CaseRecord, MentionRecord

BRAND = "1605800000000000000"
BEARER = "test-app-bearer"
URL = f"https://api.x.com/2/users/{BRAND}/mentions"
BASE_PARAMS = {"max_results": ["100"],
               "tweet.fields": ["author_id,created_at,in_reply_to_user_id,referenced_tweets,entities,note_tweet,public_metrics"],
               "expansions": ["author_id"], "user.fields": ["public_metrics,username,name"]}
NOW = 1_800_000_000.0


@pytest.fixture
def x(cloud, monkeypatch):
    cloud.put_secret("X_BEARER_TOKEN", BEARER)
    monkeypatch.setenv("X_BRAND_USER_ID", BRAND)
    settings.cache_clear()
    if not PollCursorRecord.exists():
        PollCursorRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    settings.cache_clear()


def post(post_id: str, author_id: str, text: str = "@brand my parcel is late", reply_to: str | None = None,
         retweet: bool = False, minutes_ago: int = 5, mentions_brand: bool = True) -> dict:
    created_at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = {"id": post_id, "author_id": author_id, "text": text, "created_at": created_at,
            "entities": {"mentions": [{"username": "brand", "id": BRAND}] if mentions_brand else []}}
    if reply_to:
        body["in_reply_to_user_id"] = reply_to
        body["referenced_tweets"] = [{"type": "replied_to", "id": "1"}]
    if retweet:
        body["referenced_tweets"] = [{"type": "retweeted", "id": "2"}]
    return body


def user(user_id: str) -> dict:
    return {"id": user_id, "username": f"user{user_id}", "name": f"User {user_id}",
            "public_metrics": {"followers_count": 42}}


def page(*posts: dict, next_token: str | None = None) -> dict:
    if not posts:
        return {"meta": {"result_count": 0}}
    meta = {"newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"], "result_count": len(posts)}
    if next_token:
        meta["next_token"] = next_token
    return {"data": list(posts), "includes": {"users": [user(p["author_id"]) for p in posts]}, "meta": meta}


def sent(call) -> dict:
    """method, URL without query, query params, Authorization of one recorded call"""
    parts = urlsplit(call.request.url)
    return {"method": call.request.method, "url": f"{parts.scheme}://{parts.netloc}{parts.path}",
            "params": parse_qs(parts.query), "auth": call.request.headers["Authorization"]}


def expected(**extra: str) -> dict:
    return {"method": "GET", "url": URL, "params": {**BASE_PARAMS, **{k: [v] for k, v in extra.items()}},
            "auth": f"Bearer {BEARER}"}


def queued() -> list[dict]:
    sqs = boto3.client("sqs")
    url = settings().ingest_queue_url
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=0).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def cursor() -> PollCursorRecord:
    return PollCursorRecord.get(X_MENTIONS_SOURCE)


def cases() -> list[str]:
    return sorted(r.case_id for r in CaseRecord.scan() if r.record == CASE_RECORD)


# (a) -----------------------------------------------------------------------------------------------------------------
def test_two_polls_pick_up_only_new_mentions(x, cloud):
    x.get(URL, json=page(post("120", "1"), post("110", "2", reply_to=BRAND)))
    assert poll_x_mentions() == PollResult(enqueued=2, pages=1, done=True)
    first = queued()
    assert [(m["mention_id"], m["kind"]) for m in first] == [("120", "mention"), ("110", "reply")]
    assert first[0]["author"] == {"id": "1", "handle": "@user1", "name": "User 1", "followers": 42}
    assert first[0]["url"] == "https://x.com/user1/status/120" and first[0]["reply_to_id"] == "120"
    assert cursor().since_id == "120" and cursor().next_token is None

    x.replace(responses.GET, URL, json=page(post("130", "3")))
    assert poll_x_mentions() == PollResult(enqueued=1, pages=1, done=True)
    assert [m["mention_id"] for m in queued()] == ["130"]
    assert [sent(c) for c in x.calls] == [expected(), expected(since_id="120")]
    assert cursor().since_id == "130"


def test_an_empty_poll_keeps_since_id(x, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="120").save()
    x.get(URL, json=page())
    assert poll_x_mentions() == PollResult(enqueued=0, pages=1, done=True)
    assert cursor().since_id == "120"
    assert [sent(c) for c in x.calls] == [expected(since_id="120")]


def test_the_brands_own_posts_and_reposts_are_not_enqueued(x, cloud):
    x.get(URL, json=page(post("150", BRAND), post("140", "4", retweet=True), post("130", "5")))
    assert poll_x_mentions().enqueued == 1
    assert [m["mention_id"] for m in queued()] == ["130"]
    assert cursor().since_id == "150"  # the newest id of the page, whatever was dropped


# (b) -----------------------------------------------------------------------------------------------------------------
def test_pagination_keeps_since_id_and_ends_on_the_first_pages_newest_id(x, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="100").save()
    x.get(URL, json=page(post("300", "1"), post("250", "2"), next_token="PAGE2"))
    x.get(URL, json=page(post("200", "3"), post("150", "4")))  # no next_token: the last page
    assert poll_x_mentions() == PollResult(enqueued=4, pages=2, done=True)
    assert [sent(c) for c in x.calls] == [expected(since_id="100"),
                                          expected(since_id="100", pagination_token="PAGE2")]
    assert [m["mention_id"] for m in queued()] == ["300", "250", "200", "150"]
    saved = cursor()
    assert (saved.since_id, saved.next_token, saved.pending_newest_id) == ("300", None, None)


def test_max_pages_pauses_and_the_next_run_resumes(x, cloud):
    x.get(URL, json=page(post("300", "1"), next_token="PAGE2"))
    assert poll_x_mentions(max_pages=1) == PollResult(enqueued=1, pages=1, done=False)
    saved = cursor()
    assert (saved.since_id, saved.next_token, saved.pending_newest_id) == (None, "PAGE2", "300")
    x.replace(responses.GET, URL, json=page(post("200", "2")))
    assert poll_x_mentions(max_pages=1) == PollResult(enqueued=1, pages=1, done=True)
    assert [sent(c) for c in x.calls] == [expected(), expected(pagination_token="PAGE2")]
    assert cursor().since_id == "300"


# (c) -----------------------------------------------------------------------------------------------------------------
def test_a_crash_before_page_two_resumes_at_page_two_and_each_mention_makes_one_case(x, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="100").save()
    x.get(URL, json=page(post("300", "11"), post("250", "12"), next_token="PAGE2"))
    x.get(URL, body=requests.ConnectionError("connection reset"))
    with pytest.raises(ChannelUnavailableError):
        poll_x_mentions()
    saved = cursor()
    assert (saved.since_id, saved.next_token, saved.pending_newest_id) == ("100", "PAGE2", "300")

    x.replace(responses.GET, URL, json=page(post("200", "13"), post("150", "14")))
    assert poll_x_mentions() == PollResult(enqueued=2, pages=1, done=True)
    assert [sent(c) for c in x.calls] == [expected(since_id="100"),
                                          expected(since_id="100", pagination_token="PAGE2"),
                                          expected(since_id="100", pagination_token="PAGE2")]
    assert cursor().since_id == "300" and cursor().next_token is None

    assert cloud.deliver_queue() == 4
    assert sorted(r.mention_key for r in MentionRecord.scan()) == ["x#150", "x#200", "x#250", "x#300"]
    assert cases() == ["x-150", "x-200", "x-250", "x-300"]


def test_a_crash_after_enqueueing_but_before_saving_refetches_the_page_and_ingest_drops_the_doubles(
        x, cloud, monkeypatch):
    x.get(URL, json=page(post("300", "21"), next_token="PAGE2"))
    x.get(URL, json=page(post("200", "22")))
    real_save = cursors_module.PollCursorsRepository.save
    saves = []

    def crash_on_second_save(self, saved):
        saves.append(saved)
        if len(saves) == 2:
            raise RuntimeError("Lambda timed out")
        real_save(self, saved)
    monkeypatch.setattr(cursors_module.PollCursorsRepository, "save", crash_on_second_save)
    with pytest.raises(RuntimeError):
        poll_x_mentions()
    monkeypatch.setattr(cursors_module.PollCursorsRepository, "save", real_save)

    x.replace(responses.GET, URL, json=page(post("200", "22")))
    assert poll_x_mentions() == PollResult(enqueued=1, pages=1, done=True)  # page 2 again
    assert sent(x.calls[-1]) == expected(pagination_token="PAGE2")

    assert cloud.deliver_queue() == 3  # 300, 200, and 200 again
    assert sorted(r.mention_key for r in MentionRecord.scan()) == ["x#200", "x#300"]
    assert cases() == ["x-200", "x-300"]
    assert cursor().since_id == "300"


# (d) -----------------------------------------------------------------------------------------------------------------
def test_a_429_with_a_near_reset_waits_and_retries(x, cloud):
    waits = []
    x.get(URL, status=429, headers={"x-rate-limit-reset": str(int(NOW) + 2)},
          json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]})
    x.get(URL, json=page(post("500", "31")))
    mentions, newest_id, next_token = mentions_timeline_page("400", None, sleep=waits.append, now=lambda: NOW)
    assert [m.mention_id for m in mentions] == ["500"] and newest_id == "500" and next_token is None
    assert waits == [2.0]
    assert [sent(c) for c in x.calls] == [expected(since_id="400")] * 2


def test_a_429_with_a_far_reset_leaves_the_cursor_for_the_next_run(x, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="100", next_token="PAGE2", pending_newest_id="300").save()
    waits = []
    x.get(URL, status=429, headers={"x-rate-limit-reset": str(int(NOW) + 600)},
          json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]})

    def fetch(since_id, next_token):
        return mentions_timeline_page(since_id, next_token, sleep=waits.append, now=lambda: NOW)
    with pytest.raises(ChannelUnavailableError, match="Rate limit exceeded"):
        poll_source(X_MENTIONS_SOURCE, fetch)
    assert waits == [] and len(x.calls) == 1
    assert sent(x.calls[0]) == expected(since_id="100", pagination_token="PAGE2")
    saved = cursor()
    assert (saved.since_id, saved.next_token, saved.pending_newest_id) == ("100", "PAGE2", "300")
    assert queued() == []


def test_a_429_without_a_reset_is_unavailable(x, cloud):
    x.get(URL, status=429)
    with pytest.raises(ChannelUnavailableError, match="no x-rate-limit-reset"):
        mentions_timeline_page(None, None, sleep=lambda s: pytest.fail("no wait"), now=lambda: NOW)


def test_a_429_that_persists_stops_after_a_few_waits(x, cloud):
    waits = []
    x.get(URL, status=429, headers={"x-rate-limit-reset": str(int(NOW) + 1)})
    with pytest.raises(ChannelUnavailableError):
        mentions_timeline_page(None, None, sleep=waits.append, now=lambda: NOW)
    assert waits == [1.0] * x_poll.RATE_LIMIT_RETRIES and len(x.calls) == x_poll.RATE_LIMIT_RETRIES + 1


@pytest.mark.parametrize("status, error", [(500, ChannelUnavailableError), (503, ChannelUnavailableError),
                                           (400, ChannelRejectedError), (401, ChannelRejectedError),
                                           (403, ChannelRejectedError)])
def test_errors_are_classified(x, cloud, status, error):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="100").save()
    x.get(URL, status=status, json={"title": "Problem", "detail": "something"})
    with pytest.raises(error, match=str(status)):
        poll_x_mentions()
    assert len(x.calls) == 1 and cursor().since_id == "100"


# (e) the first poll of a source --------------------------------------------------------------------------------------
def test_the_first_poll_takes_only_the_last_hour_and_stops_at_older_posts(x, cloud):
    # Given no cursor yet (polling just turned on) and a timeline whose older posts are days old
    x.get(URL, json=page(post("900", "41", minutes_ago=10), post("800", "42", minutes_ago=3 * 24 * 60),
                         next_token="OLDER"))
    # When the first poll runs
    assert poll_x_mentions() == PollResult(enqueued=1, pages=1, done=True)
    # Then only the recent mention is enqueued, the older pages are not fetched, and the next poll starts after it
    assert [m["mention_id"] for m in queued()] == ["900"]
    assert len(x.calls) == 1 and cursor().since_id == "900"


def test_the_first_poll_follows_pages_while_they_are_recent(x, cloud):
    x.get(URL, json=page(post("900", "41", minutes_ago=1), next_token="PAGE2"))
    x.get(URL, json=page(post("850", "43", minutes_ago=20), post("800", "42", minutes_ago=90)))
    assert poll_x_mentions() == PollResult(enqueued=2, pages=2, done=True)
    assert [m["mention_id"] for m in queued()] == ["900", "850"]
    assert cursor().since_id == "900"


def test_the_lookback_is_configurable(x, cloud, monkeypatch):
    monkeypatch.setenv("POLL_LOOKBACK_MINUTES", "240")
    settings.cache_clear()
    x.get(URL, json=page(post("900", "41", minutes_ago=10), post("800", "42", minutes_ago=200)))
    assert poll_x_mentions().enqueued == 2


# (f) recent search (platforms.md §1.9) -------------------------------------------------------------------------------
SEARCH_URL = "https://api.x.com/2/tweets/search/recent"


@pytest.fixture
def search(x, monkeypatch):
    monkeypatch.setenv("X_BRAND_HANDLE", "@AcmeSupport")
    monkeypatch.setenv("X_SEARCH_TERMS", "#AcmeFail, acme parcel , acmeco")
    settings.cache_clear()
    return x


def search_expected(**extra: str) -> dict:
    params = {"query": ['(@AcmeSupport OR #AcmeFail OR "acme parcel" OR acmeco) -is:retweet -from:AcmeSupport'],
              "max_results": ["100"], "tweet.fields": BASE_PARAMS["tweet.fields"],
              "expansions": ["author_id,referenced_tweets.id"], "user.fields": ["public_metrics,username,name"]}
    return {"method": "GET", "url": SEARCH_URL, "params": {**params, **{k: [v] for k, v in extra.items()}},
            "auth": f"Bearer {BEARER}"}


def hit(post_id: str, author_id: str, text: str, **fields) -> dict:
    body = post(post_id, author_id, text, mentions_brand=False)
    body.update(fields)
    return body


def test_recent_search_tells_a_reply_mention_quote_hashtag_and_keyword_apart(search, cloud):
    quote = hit("705", "55", "this again", referenced_tweets=[{"type": "quoted", "id": "600"}])
    found = page(
        hit("709", "51", "@AcmeSupport still waiting", in_reply_to_user_id=BRAND),
        hit("708", "52", "hey @acmesupport where is it", entities={"mentions": [{"username": "acmesupport"}]}),
        hit("707", "53", "broken again #acmefail", entities={"hashtags": [{"tag": "AcmeFail"}]}),
        hit("706", "54", "my acme parcel never came"),
        quote,
    )
    found["includes"]["tweets"] = [{"id": "600", "author_id": BRAND, "text": "We ship fast!"}]
    search.get(SEARCH_URL, json=found)
    assert x_poll.poll_x_search() == PollResult(enqueued=5, pages=1, done=True)
    assert [(m["mention_id"], m["kind"]) for m in queued()] == [
        ("709", "reply"), ("708", "mention"), ("707", "hashtag"), ("706", "keyword"), ("705", "quote")]
    assert [sent(c) for c in search.calls] == [search_expected()]
    assert PollCursorRecord.get(x_poll.X_SEARCH_SOURCE).since_id == "709"


def test_two_searches_pick_up_only_new_posts_and_a_post_also_in_the_timeline_makes_one_case(search, cloud):
    search.get(SEARCH_URL, json=page(hit("720", "61", "acmeco lost my order")))
    search.get(URL, json=page(post("720", "61", "@brand acmeco lost my order")))
    assert x_poll.poll_x_search().enqueued == 1 and poll_x_mentions().enqueued == 1
    search.replace(responses.GET, SEARCH_URL, json=page(hit("730", "62", "acmeco again")))
    assert x_poll.poll_x_search().enqueued == 1
    assert sent(search.calls[-1]) == search_expected(since_id="720")
    assert cloud.deliver_queue() == 3
    # 720 was found by search (a keyword: watched) and in the timeline (addressed to the brand): one case;
    # 730 only names the brand, quietly: watched, no case (care policy, indirect mentions)
    assert cases() == ["x-720"]
    assert MentionRecord.get("x#730").outcome == "watched"


def test_search_follows_next_token_with_the_same_since_id(search, cloud):
    PollCursorRecord(x_poll.X_SEARCH_SOURCE, since_id="700").save()
    search.get(SEARCH_URL, json=page(hit("760", "71", "acmeco"), next_token="N2"))
    search.get(SEARCH_URL, json=page(hit("750", "72", "acmeco")))
    assert x_poll.poll_x_search() == PollResult(enqueued=2, pages=2, done=True)
    assert [sent(c) for c in search.calls] == [search_expected(since_id="700"),
                                               search_expected(since_id="700", next_token="N2")]
    assert PollCursorRecord.get(x_poll.X_SEARCH_SOURCE).since_id == "760"


def test_a_scheduled_run_polls_the_timeline_and_search_each_from_its_own_cursor(search, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="500").save()
    PollCursorRecord(x_poll.X_SEARCH_SOURCE, since_id="600").save()
    search.get(URL, json=page(post("510", "81")))
    search.get(SEARCH_URL, json=page(hit("610", "82", "acmeco")))
    assert x_poll.poll_x() == {X_MENTIONS_SOURCE: PollResult(1, 1, True), x_poll.X_SEARCH_SOURCE: PollResult(1, 1, True)}
    assert [sent(c) for c in search.calls] == [expected(since_id="500"), search_expected(since_id="600")]


def test_one_failing_source_does_not_stop_the_other_and_the_run_fails_naming_it(search, cloud):
    PollCursorRecord(X_MENTIONS_SOURCE, since_id="500").save()
    search.get(URL, status=503, json={"title": "Service Unavailable"})
    search.get(SEARCH_URL, json=page(hit("610", "82", "acmeco")))
    with pytest.raises(PollFailedError, match="^x#mentions: X failed the mentions timeline \\(503"):
        x_poll.poll_x()
    assert [m["mention_id"] for m in queued()] == ["610"]
    assert cursor().since_id == "500" and PollCursorRecord.get(x_poll.X_SEARCH_SOURCE).since_id == "610"


def test_without_a_handle_or_terms_only_the_timeline_is_polled(x, cloud):
    assert x_poll.search_query() is None
    x.get(URL, json=page(post("510", "81")))
    assert list(x_poll.poll_x()) == [X_MENTIONS_SOURCE]


def test_with_nothing_configured_the_run_says_what_to_set(cloud, monkeypatch):
    monkeypatch.delenv("X_BRAND_USER_ID", raising=False)
    settings.cache_clear()
    with pytest.raises(PollFailedError, match="set X_BRAND_USER_ID .* X_BRAND_HANDLE / X_SEARCH_TERMS"):
        x_poll.poll_x()


@pytest.mark.parametrize(("terms", "message"), [
    ('say "hi"', "may not contain quotes or parentheses"),
    ("(acme", "may not contain quotes or parentheses"),
    (",".join(f"keyword{i:03d}" for i in range(60)), "make a search query of 850 characters; X allows 512"),
])
def test_search_terms_x_would_refuse_are_named(x, monkeypatch, terms, message):
    monkeypatch.setenv("X_SEARCH_TERMS", terms)
    settings.cache_clear()
    with pytest.raises(ValueError, match=message):
        x_poll.search_query()
    assert len(x.calls) == 0


def test_a_real_shaped_search_page_is_read_as_a_reply_a_hashtag_and_a_quote(search, cloud, load_event):
    PollCursorRecord(x_poll.X_SEARCH_SOURCE, since_id="2124400000000000000").save()
    search.get(SEARCH_URL, json=load_event("poll_x.search_recent_page"))
    mentions, newest_id, next_token = x_poll.recent_search_page("2124400000000000000", None)
    assert [(m.mention_id, m.kind, m.author.handle, m.author.followers) for m in mentions] == [
        ("2124440000000000003", "reply", "@danawhit", 812),
        ("2124439000000000002", "hashtag", "@samo_cooks", 15400),
        ("2124438000000000001", "quote", "@kit_says", 97)]
    # the posts' own engagement (likes + reposts + replies + quotes) is asked for and read, for their reach
    assert "public_metrics" in search.calls[0].request.params["tweet.fields"].split(",")
    assert [m.engagement for m in mentions] == [1, 14, 0]
    assert mentions[0].url == "https://x.com/danawhit/status/2124440000000000003"
    assert (newest_id, next_token) == ("2124440000000000003", None)

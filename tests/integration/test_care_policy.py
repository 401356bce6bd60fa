"""The care policy through the real state machine on the local cloud: guardrails on public replies, ..."""
from __future__ import annotations

from tests.conftest import mention
from tests.integration.helpers import act, deliver, show, wait_until_waiting


def test_a_reply_asking_for_personal_data_in_public_is_a_422_and_the_case_keeps_waiting(cloud):
    deliver(cloud, mention("9001", "5001", text="@brand my order arrived broken"), delivery_id="d-9001")
    case_id = "generic-9001"
    wait_until_waiting(cloud, case_id, "acknowledge")
    # When an agent tries to ask for the customer's email in public
    refused = act(cloud, case_id, "acknowledge", replyText="So sorry! What's your email address? We'll write.")
    # Then the reply is refused, naming the rule and the words, and nothing moved
    assert refused.status == 422
    body = refused.json()
    assert body["rejections"] == [{"rule": "personal data in public", "words": "What's your email address",
                                   "explanation": body["rejections"][0]["explanation"]}]
    case = wait_until_waiting(cloud, case_id, "acknowledge")
    assert not any(e["event"] in ("acknowledge", "posted publicly") for e in case["timeline"])
    # and a reply that invites a DM instead goes through
    assert act(cloud, case_id, "acknowledge",
               replyText="So sorry your order arrived broken. Could you DM us so we can sort it?").status == 200
    wait_until_waiting(cloud, case_id, "customer-dm")


def test_a_near_copy_of_a_reply_sent_to_another_customer_is_refused_as_canned(cloud):
    template = "Hi {}, we're so sorry about the delay with your parcel. Please send us a DM and we'll look into it."
    for n, name in ((9011, "Ann"), (9012, "Bob")):
        deliver(cloud, mention(str(n), str(n), text="@brand where is my parcel"), delivery_id=f"d-{n}")
        wait_until_waiting(cloud, f"generic-{n}", "acknowledge")
    assert act(cloud, "generic-9011", "acknowledge", replyText=template.format("Ann")).status == 200
    wait_until_waiting(cloud, "generic-9011", "customer-dm")
    canned = act(cloud, "generic-9012", "acknowledge", replyText=template.format("Bob"))
    assert canned.status == 422 and canned.json()["rejections"][0]["rule"] == "canned reply"
    assert show(cloud, "generic-9012")["waitingFor"] == "acknowledge"

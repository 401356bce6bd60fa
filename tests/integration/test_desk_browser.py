"""The desk in a real browser: headless Chromium (Debian's chromium and chromedriver, `make browser`) driven by
Selenium against the local server, as `make serve` runs it. The run leaves screenshots of the queue and of a case in
test-results/screenshots/ (README: "The desk").

One care team works one morning: an agent watches a new case arrive, sends a reply the guardrails refuse, sees why,
fixes it and acknowledges; triage claims the case once the customer has written privately; the agent finds no resolve
button on it (and the API refuses them); triage resolves it.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from local.server import LocalServer
from local.sign_in import LOCAL_PASSWORD
from tests.conftest import LONG_CLOCKS, delivery, mention, signed_headers

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
WAIT_SECONDS = 30
REFUSED = "Could you reply here with your order number and email address?"
FIXED = "Ann, a broken order is not OK and we're sorry. We'll put it right: could you send us a DM?"


@pytest.fixture(scope="module")
def server():
    with LocalServer(port=0, clocks=LONG_CLOCKS) as local_server:
        yield local_server


@pytest.fixture(scope="module")
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    assert not missing, f"{missing} not installed: `make browser` installs Debian's chromium and chromium-driver"
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager downloads nothing: the driver is named below
    profile = tempfile.mkdtemp(prefix="desk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--window-size=1366,900", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def post(server, *mentions: dict, delivery_id: str) -> None:
    body = delivery(*mentions, delivery_id=delivery_id)
    assert server.cloud.http("POST", "/webhooks/generic", body, signed_headers(body)).status == 200


def wait(driver, condition, what: str, seconds: float = WAIT_SECONDS):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d), what)
    except TimeoutException:
        driver.save_screenshot(str(SCREENSHOTS / "failed.png"))
        raise


def sign_in(driver, server, user: str) -> None:
    driver.get(f"{server.url}/desk/")
    driver.execute_script("sessionStorage.clear(); location.hash = '#/'")  # whoever was signed in in this tab
    driver.refresh()
    form = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "form.sign-in"), "the sign-in form")
    form.find_element(By.NAME, "user").send_keys(user)
    form.find_element(By.NAME, "password").send_keys(LOCAL_PASSWORD + Keys.ENTER)
    wait(driver, lambda d: user in text_of(d, "#who"), f"signed in as {user}")


def queue_ids(driver) -> list[str]:
    """The cases in the queue, in its order (read in one go: the queue redraws itself as it refreshes)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('table.queue tbody tr')].map((row) => row.dataset.case)")


def selected_case(driver) -> str | None:
    return driver.execute_script("const row = document.querySelector('table.queue tr.selected');"
                                 "return row ? row.dataset.case : null")


def open_with_keyboard(driver, case_id: str) -> None:
    """j down the queue to the case, then Enter."""
    wait(driver, lambda d: case_id in queue_ids(d), f"{case_id} in the queue")
    body = driver.find_element(By.TAG_NAME, "body")
    for _ in range(len(queue_ids(driver))):
        if selected_case(driver) == case_id:
            break
        body.send_keys("j")
    assert selected_case(driver) == case_id
    body.send_keys(Keys.ENTER)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "section.story h1"), f"{case_id} open")


def text_of(driver, selector: str) -> str:
    """The text of the first element that matches, read in one go (the page redraws a case while it moves on)."""
    return driver.execute_script("const found = document.querySelector(arguments[0]);"
                                 "return found ? found.innerText : ''", selector)


def case_says(driver, text: str) -> bool:
    return text in text_of(driver, ".story .facts")


def status_line(driver) -> str:
    return driver.find_element(By.ID, "status").text


def severe_console_errors(driver) -> list[str]:
    """What the page logged at SEVERE (a Content-Security-Policy refusal, a script error), apart from the API's own
    refusals the test provokes on purpose (422, 409, 403 show in the console as failed requests)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
            and not any(f" {code} " in entry["message"] for code in ("(Unprocessable Content)", "422", "403", "409"))]


def test_a_care_team_works_a_case_through_the_desk(server, browser):
    # Given two cases already in the queue, and an agent signed in at the desk
    post(server, mention("desk-1", author_id="801", handle="@bea", text="@brand my parcel is a week late"),
         mention("desk-2", author_id="802", handle="@cal", text="@brand the app logs me out every hour"),
         delivery_id="desk-a")
    sign_in(browser, server, "agent")
    wait(browser, lambda d: {"generic-desk-1", "generic-desk-2"} <= set(queue_ids(d)), "two cases in the queue")

    # When a new case comes in, it appears in the queue by itself, with its clock running
    post(server, mention("desk-3", author_id="803", handle="@ann", text="@brand my order #A1 arrived broken"),
         delivery_id="desk-b")
    wait(browser, lambda d: "generic-desk-3" in queue_ids(d), "the new case in the queue without a reload")
    assert "acknowledge" in text_of(browser, 'tr[data-case="generic-desk-3"]')
    assert "left" in text_of(browser, 'tr[data-case="generic-desk-3"] .due')
    assert "Updated" in text_of(browser, ".updated")
    browser.save_screenshot(str(SCREENSHOTS / "queue.png"))

    # And the agent opens it from the keyboard: the customer's words, the draft ready to edit, the timeline
    open_with_keyboard(browser, "generic-desk-3")
    assert "my order #A1 arrived broken" in text_of(browser, ".story")
    reply = browser.find_element(By.ID, "reply")
    assert reply.get_attribute("value").strip(), "the draft reply is in the box"
    assert browser.find_elements(By.CSS_SELECTOR, ".timeline li")
    assert not browser.find_elements(By.XPATH, "//h2[starts-with(., 'Private thread')]")  # agents do not read DMs
    browser.save_screenshot(str(SCREENSHOTS / "case.png"))

    # When they send a reply the guardrails refuse: the rule and the words show beside the text, nothing is posted
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    reply.clear()
    reply.send_keys(REFUSED)
    reply.send_keys(Keys.CONTROL, Keys.ENTER)
    refusal = wait(browser, lambda d: d.find_element(By.ID, "reply-refusal").text and
                   d.find_element(By.ID, "reply-refusal"), "the guardrails' refusal")
    assert "personal data in public" in refusal.text
    assert [m.text.lower() for m in refusal.find_elements(By.CSS_SELECTOR, ".marked mark")] == [
        "reply here with your order number"]
    browser.save_screenshot(str(SCREENSHOTS / "case-refused.png"))
    assert server.cloud.http("GET", "/cases/generic-desk-3", headers=server.cloud.signed_in()).json()[
        "waitingFor"] == "acknowledge"

    # Then they fix it and acknowledge: the case moves on to the customer's DM
    reply.clear()
    reply.send_keys(FIXED)
    browser.find_element(By.CSS_SELECTOR, 'button[name="acknowledge"]').click()
    wait(browser, lambda d: case_says(d, "waiting for customer-dm"), "the case waiting for the customer's DM")
    assert FIXED in text_of(browser, ".story")  # what we posted

    # When the customer writes privately, the case is handed to triage, who claim it
    post(server, mention("desk-3-dm", author_id="803", handle="@ann", kind="dm",
                         text="It's order A1, email me at ann@example.com"), delivery_id="desk-c")
    server.cloud.wait_for(lambda: server.cloud.http("GET", "/cases/generic-desk-3", headers=server.cloud.signed_in())
                          .json()["waitingFor"] == "claim", what="generic-desk-3 waiting for claim")
    sign_in(browser, server, "triage")
    open_with_keyboard(browser, "generic-desk-3")
    assert "ann@example.com" in text_of(browser, ".said-list.private")
    browser.find_element(By.TAG_NAME, "body").send_keys("c")
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser, lambda d: case_says(d, "waiting for resolve"), "claimed, waiting for resolve")

    # Then an agent finds no resolve button on it, and the API refuses them all the same
    sign_in(browser, server, "agent")
    browser.get(f"{server.url}/desk/#/case/generic-desk-3")
    wait(browser, lambda d: case_says(d, "waiting for resolve"), "the agent sees the case")
    act = browser.find_element(By.CSS_SELECTOR, "section.act")
    assert not act.find_elements(By.CSS_SELECTOR, 'form[data-action="resolve"]')
    assert [button.text for button in act.find_elements(By.TAG_NAME, "button")] == ["Dismiss (d)"]  # any wait
    refused = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const token = JSON.parse(sessionStorage.getItem("socialcare.session")).idToken;
        fetch("/cases/generic-desk-3/resolve", {method: "POST", headers: {Authorization: "Bearer " + token,
              "Content-Type": "application/json"}, body: JSON.stringify({summary: "x", publicNote: "All done, thanks"})})
          .then(async (r) => done([r.status, (await r.json()).message]));""")
    assert refused == [403, "resolve is for triage and leads; agent is in agents"]

    # And triage resolves it: the case goes on to its public follow-up
    sign_in(browser, server, "triage")
    browser.get(f"{server.url}/desk/#/case/generic-desk-3")
    wait(browser, lambda d: d.find_elements(By.ID, "summary"), "the resolve form")
    browser.find_element(By.ID, "summary").send_keys("Replacement A1-R sent")
    browser.find_element(By.ID, "public-note").send_keys("Ann, your replacement is on its way. Thanks for waiting!")
    browser.find_element(By.CSS_SELECTOR, 'form[data-action="resolve"] button').click()
    wait(browser, lambda d: case_says(d, "waiting for follow-up"), "resolved, waiting for its follow-up")

    # And the agent follows up from the keyboard, with the resolution's note as the text: the case closes
    sign_in(browser, server, "agent")
    browser.get(f"{server.url}/desk/#/case/generic-desk-3")
    wait(browser, lambda d: d.find_elements(By.ID, "follow-up-text"), "the follow-up form")
    assert "replacement is on its way" in browser.find_element(By.ID, "follow-up-text").get_attribute("value")
    browser.find_element(By.TAG_NAME, "body").send_keys("f")
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser, lambda d: case_says(d, "CLOSED"), "followed up and closed")
    assert severe_console_errors(browser) == []


def test_an_agent_dismisses_a_case_with_a_reason_and_it_leaves_the_queue(server, browser):
    post(server, mention("desk-7", author_id="807", handle="@spam", text="@brand buy followers now"), delivery_id="d7")
    sign_in(browser, server, "agent")
    open_with_keyboard(browser, "generic-desk-7")
    browser.find_element(By.TAG_NAME, "body").send_keys("d")
    browser.switch_to.active_element.send_keys("spam")  # the reason, picked by typing in the list
    browser.find_element(By.CSS_SELECTOR, 'form[data-action="dismiss"] button').click()
    wait(browser, lambda d: case_says(d, "DISMISSED"), "dismissed")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.queue, p.empty"), "the queue")
    assert "generic-desk-7" not in queue_ids(browser)


def test_the_desk_reads_at_200_percent_zoom_without_scrolling_sideways(server, browser):
    # 200 % zoom on a 1366-pixel laptop screen lays the page out as a 683-pixel window does
    post(server, mention("desk-8", author_id="808", handle="@eli", text="@brand " + "very long words " * 30),
         delivery_id="d8")
    sign_in(browser, server, "agent")
    browser.set_window_size(683, 900)
    try:
        wait(browser, lambda d: "generic-desk-8" in queue_ids(d), "the queue")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        browser.save_screenshot(str(SCREENSHOTS / "queue-200-percent.png"))
        open_with_keyboard(browser, "generic-desk-8")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        browser.set_window_size(1366, 900)


def test_a_conflict_is_explained_in_words(server, browser):
    # Given an agent with a case open, waiting for its acknowledgement
    post(server, mention("desk-9", author_id="809", handle="@dee", text="@brand still no refund"), delivery_id="d9")
    sign_in(browser, server, "agent")
    open_with_keyboard(browser, "generic-desk-9")
    # When a colleague acknowledges it first
    answer = server.cloud.http("POST", "/cases/generic-desk-9/acknowledge",
                               json.dumps({"replyText": "Dee, sorry about the refund, we're on it now."}),
                               server.cloud.signed_in("lead"))
    assert answer.status == 200
    browser.find_element(By.CSS_SELECTOR, 'button[name="acknowledge"]').click()
    # Then the desk says so, and shows the case as it is now
    wait(browser, lambda d: "Someone else acted on this case a moment ago" in status_line(d), "the 409 in words")


def test_the_lead_sees_the_incident_and_the_report_and_resolves_the_incident(server, browser):
    # Given three people saying the app is down: one pile-on incident
    for n in (1, 2, 3):
        post(server, mention(f"desk-down-{n}", author_id=f"86{n}", handle=f"@down{n}",
                             text="@brand the app is down, can't log in"), delivery_id=f"down-{n}")
    cloud = server.cloud
    # (an earlier test's open case about the app may join it: the server is the module's)
    [incident] = cloud.wait_for(lambda: [i for i in cloud.http("GET", "/incidents", headers=cloud.signed_in()).json()[
        "incidents"] if i["caseCount"] >= 3], what="the incident with the three cases")
    # When the lead opens their view
    sign_in(browser, server, "lead")
    browser.find_element(By.TAG_NAME, "body").send_keys("l")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "section.report"), "the lead's view with the report")
    page = text_of(browser, "main")
    assert incident["incidentId"] in page and "Flagged authors" in page and "Acknowledged within SLA" in page
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    browser.save_screenshot(str(SCREENSHOTS / "lead.png"))
    # Then they resolve the incident with its outcome, and it leaves the open incidents
    browser.find_element(By.NAME, "outcome").send_keys("the app is back up for everyone" + Keys.ENTER)
    wait(browser, lambda d: "resolved: each open case has its follow-up" in status_line(d), "the incident resolved")
    wait(browser, lambda d: incident["incidentId"] not in text_of(d, "main"),
         "the incident gone from the open ones")
    # an agent has no lead's view
    sign_in(browser, server, "agent")
    assert [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#nav a")] == ["Queue"]


def test_a_lead_finds_a_flagged_author_and_clears_the_flag_with_a_reason(server, browser):
    # Given an author whose two earlier cases were dismissed as troll, writing a third time
    cloud = server.cloud
    for n in (1, 2):
        post(server, mention(f"desk-troll-{n}", author_id="870", handle="@troll", text="@brand you are all useless"),
             delivery_id=f"troll-{n}")
        case_id = f"generic-desk-troll-{n}"
        cloud.wait_for(lambda: cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in()).json().get(
            "waitingFor") == "acknowledge", what=f"{case_id} waiting")
        assert cloud.http("POST", f"/cases/{case_id}/dismiss", '{"reason": "troll"}', cloud.signed_in()).status == 200
        cloud.wait_for(lambda: cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in()).json()[
            "status"] == "DISMISSED", what=f"{case_id} dismissed")
    post(server, mention("desk-troll-3", author_id="870", handle="@troll", text="@brand my refund never came"),
         delivery_id="troll-3")
    # When the lead opens the flagged author's case from their view
    sign_in(browser, server, "lead")
    browser.get(f"{server.url}/desk/#/lead")
    link = wait(browser, lambda d: d.find_elements(By.LINK_TEXT, "@troll (generic)"), "the flagged author listed")[0]
    link.click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".flag-panel"), "the flag and its record")
    assert "generic-desk-troll-2: dismissed as troll" in text_of(browser, ".flag-panel")
    # Then they clear it with a reason: recorded on the author, and the case is no longer flagged
    browser.find_element(By.ID, "clear-reason").send_keys("Spoke to them: a genuine customer" + Keys.ENTER)
    wait(browser, lambda d: "The flag on @troll is cleared." in status_line(d), "cleared")
    history = cloud.http("GET", "/authors/generic/870/cases", headers=cloud.signed_in()).json()
    assert [(c["by"], c["reason"]) for c in history["flagClearances"]] == [
        ("lead", "Spoke to them: a genuine customer")]

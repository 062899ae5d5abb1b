"""The check page in a real browser (headless Chromium through chromedriver): an office fills a
request, reads the outcome and checklist, applies the suggested change and sees it become
approvable; case text with HTML or script is shown as text and runs nothing.

Skipped, with a message, where no Chromium or chromedriver is installed; under CI (CI=true) a
missing browser is a failure, since .ci/run installs both. UR_SCREENSHOT=PATH saves the
screenshot used in the README."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
DRIVER = shutil.which("chromedriver") or next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
                                                if Path(p).exists()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1400"]
MISSING = [what for what, found in (("chromium", BROWSER), ("chromedriver", DRIVER)) if not found]

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - the test extra installs it
    webdriver = None
    MISSING.append("selenium (pip install -e '.[test]')")

if MISSING and os.environ.get("CI"):
    pytest.fail(f"CI must run the browser test, but {', '.join(MISSING)} is missing", pytrace=False)
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"no {', '.join(MISSING)}: the check page is not tested in a browser"
                                " (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    profile = tempfile.mkdtemp(prefix="ur-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def type_into(driver, name: str, text: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)


def choose(driver, name: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.NAME, name)).select_by_value(value)


def set_date(driver, name: str, iso: str) -> None:
    """A date input takes keystrokes in the browser's locale order; set it as a date picker does."""
    driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.NAME, name), iso)


def outcomes(driver) -> dict[str, str]:
    return {a.get_attribute("data-item"): a.get_attribute("data-outcome")
            for a in driver.find_elements(By.CSS_SELECTOR, "article.item")}


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_office_checks_a_request_applies_the_change_and_sees_it_approvable(live_server, browser):
    browser.get(live_server.base + "/")
    assert browser.title.startswith("Pre-submission check")
    set_date(browser, "request_date", "2015-06-01")
    type_into(browser, "items[0].request", "Soma 350mg #90")
    type_into(browser, "items[0].sig", "1 tid")
    type_into(browser, "items[1].request", "Norco 10/325 #120")
    type_into(browser, "items[1].sig", "1 q6h prn")
    type_into(browser, "medications[0].drug", "Norco")
    set_date(browser, "medications[0].since", "2014-01-10")
    choose(browser, "medications[0].response.pain_reduced", "yes")
    choose(browser, "monitoring.opioid_agreement", "yes")
    type_into(browser, "findings[0].name", "acute_exacerbation")
    type_into(browser, "findings[0].value", "yes")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()

    assert outcomes(browser) == {"item-1": "upheld", "item-2": "upheld"}
    soma = browser.find_element(By.CSS_SELECTOR, 'article[data-item="item-1"]')
    assert soma.find_element(By.CSS_SELECTOR, ".verdict").text == "likely DENIED"
    checklist = [li.get_attribute("data-criterion") for li in soma.find_elements(By.CSS_SELECTOR, ".checklist li")]
    assert "mtus-cpmtg.carisoprodol.short_supply" in checklist
    assert "Carisoprodol (Soma), p. 29" in soma.text
    statuses = {row.get_attribute("data-criterion"): row.find_element(By.CSS_SELECTOR, "td.status").text
                for row in soma.find_elements(By.CSS_SELECTOR, "table.criteria tbody tr")}
    assert statuses["mtus-cpmtg.carisoprodol.acute_exacerbation"] == "MET"
    assert statuses["mtus-cpmtg.carisoprodol.short_supply"] == "NOT MET"
    change = soma.find_element(By.CSS_SELECTOR, "li.change")
    assert "#63 or fewer" in change.text
    if os.environ.get("UR_SCREENSHOT"):
        browser.execute_script("document.getElementById('results').scrollIntoView()")
        browser.save_screenshot(os.environ["UR_SCREENSHOT"])

    change.find_element(By.CSS_SELECTOR, "button.apply").click()
    assert "Applied to item-1" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert browser.find_element(By.NAME, "items[0].quantity").get_attribute("value") == "63"
    after = outcomes(browser)
    assert after["item-1"] == "overturned"
    soma = browser.find_element(By.CSS_SELECTOR, 'article[data-item="item-1"]')
    assert soma.find_element(By.CSS_SELECTOR, ".verdict").text == "likely APPROVABLE"
    assert after["item-2"] == "upheld"  # the other item is judged on its own, unchanged
    assert "As entered: directions 1 tid; quantity 63" in soma.text

    printable = browser.print_page()
    assert len(printable) > 10_000  # a PDF (base64) of the page with its print stylesheet


def test_bad_input_is_shown_next_to_the_field(live_server, browser):
    browser.get(live_server.base + "/")
    set_date(browser, "request_date", "2015-06-01")
    type_into(browser, "items[0].request", "Soma 350mg #90")
    browser.find_element(By.CSS_SELECTOR, '.item-row[data-row="0"] details.more summary').click()
    type_into(browser, "items[0].units_per_day", "three")
    type_into(browser, "items[1].request", "Frobnicate 20mg")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    error = browser.find_element(By.CSS_SELECTOR, '.error[data-for="items[0].units_per_day"]')
    assert error.text == "expects a number (got 'three')"
    field = browser.find_element(By.NAME, "items[0].units_per_day")
    assert field.get_attribute("aria-invalid") == "true" and field.get_attribute("value") == "three"
    assert outcomes(browser) == {} and "Traceback" not in browser.page_source


def test_html_and_script_in_case_text_are_shown_as_text(live_server, browser):
    evil = 'Soma 350mg #21 <script>alert("x")</script><img src=x onerror=alert(1)>'
    browser.get(live_server.base + "/")
    set_date(browser, "request_date", "2015-06-01")
    type_into(browser, "items[0].request", evil)
    type_into(browser, "items[0].sig", "1 tid")
    browser.find_element(By.CSS_SELECTOR, '.item-row[data-row="0"] details.item-docs summary').click()
    type_into(browser, "items[0].documentation[0].name", "new_start")
    type_into(browser, "items[0].documentation[0].value", "yes")
    type_into(browser, "findings[0].name", "acute_exacerbation")
    type_into(browser, "findings[0].value", "yes")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    heading = browser.find_element(By.CSS_SELECTOR, 'article[data-item="item-1"] h3')
    assert evil in heading.text
    assert browser.find_elements(By.CSS_SELECTOR, "article.item script, article.item img") == []
    assert browser.find_element(By.NAME, "items[0].request").get_attribute("value") == evil
    assert no_alert(browser)
    assert outcomes(browser) == {"item-1": "overturned"}

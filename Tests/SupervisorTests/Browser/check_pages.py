#!/usr/bin/env python3
"""Drives Moodwire's web pages in headless Chromium (Debian's chromium and chromium-driver, with
python3-selenium) the way a person would, and prints what it saw as one JSON object.

    check_pages.py upload --url http://127.0.0.1:8080/ --photo face.jpg --screenshot upload.png
    check_pages.py live --url http://127.0.0.1:8080/live --screenshot live.png

upload: chooses the photo in the page's file field; waits for the result; reports the number of
boxes drawn on the photo, of face cards, and of probability bars per card.
live: opens the live page and waits until results arrive over Server-Sent Events; reports how
many arrived and the faces shown.
"""
import argparse
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def upload(driver, args):
    driver.get(args.url)
    field = driver.find_element(By.ID, "file")
    driver.execute_script("arguments[0].hidden = false", field)
    field.send_keys(args.photo)
    wait = WebDriverWait(driver, args.timeout)
    wait.until(lambda d: not d.find_element(By.ID, "result").get_attribute("hidden")
               or not d.find_element(By.ID, "error").get_attribute("hidden"))
    error = driver.find_element(By.ID, "error")
    # The boxes are drawn once the photo has loaded.
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#photo .box"))
               == len(d.find_elements(By.CSS_SELECTOR, "#faces .face")))
    cards = driver.find_elements(By.CSS_SELECTOR, "#faces .face")
    return {
        "error": None if error.get_attribute("hidden") else error.text,
        "status": driver.find_element(By.ID, "status").text,
        "boxes": len(driver.find_elements(By.CSS_SELECTOR, "#photo .box")),
        "faces": len(cards),
        "bars_per_face": [len(card.find_elements(By.CSS_SELECTOR, ".bar")) for card in cards],
        "emotions": [card.find_element(By.TAG_NAME, "h3").text for card in cards],
    }


def live(driver, args):
    driver.get(args.url)
    def received(d):
        return int(d.find_element(By.ID, "status").get_attribute("data-received") or 0)

    def images(d):
        return int(d.find_element(By.ID, "status").get_attribute("data-images") or 0)

    try:
        WebDriverWait(driver, args.timeout).until(lambda d: received(d) >= args.min_results and images(d) >= 1)
    except TimeoutException:
        status = driver.find_element(By.ID, "status").text
        raise SystemExit(f"after {args.timeout} s the live page had {received(driver)} results and "
                         f"{images(driver)} frame images (wanted {args.min_results} and 1); status: {status!r}")
    return {
        "images": images(driver),
        "status": driver.find_element(By.ID, "status").text,
        "results": received(driver),
        "faces": len(driver.find_elements(By.CSS_SELECTOR, "#faces .face")),
        "sources": [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#source option") if o.get_attribute("value")],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=["upload", "live"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--photo")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--min-results", type=int, default=3)
    args = parser.parse_args()
    driver = browser()
    try:
        report = upload(driver, args) if args.page == "upload" else live(driver, args)
        driver.save_screenshot(args.screenshot)
    finally:
        driver.quit()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# Takes docs/images/dashboard.png: signs in to a running samples/AlertEngine.Web (http://localhost:5080, Development)
# as the first demo role group and screenshots the dashboard with headless Chromium through chromedriver (WebDriver
# protocol, no extra packages). Usage: dotnet run --project samples/AlertEngine.Web & python3 eng/take-dashboard-screenshot.py docs/images/dashboard.png
import json, urllib.request, base64, subprocess, time, sys
port = 9517
driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def call(method, path, body=None):
    for attempt in range(50):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=None if body is None else json.dumps(body).encode(), headers={"Content-Type": "application/json"})
            return json.load(urllib.request.urlopen(req))["value"]
        except urllib.error.URLError as e:
            if attempt == 49 or not isinstance(getattr(e, "reason", None), ConnectionRefusedError): raise
            time.sleep(0.2)
try:
    caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1300,1000", "--hide-scrollbars"]}}}}
    session = call("POST", "/session", caps)["sessionId"]
    s = f"/session/{session}"
    call("POST", s + "/url", {"url": "http://localhost:5080/demo/signin"})
    buttons = call("POST", s + "/elements", {"using": "css selector", "value": "button"})
    call("POST", s + "/element/" + list(buttons[0].values())[0] + "/click", {})
    # wait for the dashboard
    for _ in range(100):
        if call("POST", s + "/elements", {"using": "css selector", "value": "#total"}): break
        time.sleep(0.1)
    png = call("GET", s + "/screenshot")
    open(sys.argv[1], "wb").write(base64.b64decode(png))
    call("DELETE", s)
finally:
    driver.terminate()

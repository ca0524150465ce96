#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol for the screens suite.

Chromium speaks the protocol on a pipe (--remote-debugging-pipe: it reads
commands on descriptor 3 and writes answers on descriptor 4, each a JSON
text ended by a NUL byte), so nothing but the standard library is needed.
One page is opened; commands come one per line on stdin and each prints one
line on stdout:

  size W H            the viewport in CSS pixels       -> ok
  header NAME VALUE   an extra request header           -> ok
  open URL            navigate and wait for the load    -> ok | error ...
  eval JS             the value of an expression         -> JSON
  wait SECONDS JS     until the expression is truthy     -> ok JSON | timeout JSON
  shot FILE           a PNG screenshot of the viewport   -> ok
  html FILE           the DOM as HTML (after scripts)    -> ok
  quit                closes the browser                 -> ok

Usage: browser.py PROFILE-DIR [CHROMIUM]
"""
import base64
import json
import os
import subprocess
import sys
import time


class Browser:
    """One headless Chromium and one page in it."""

    def __init__(self, profile, binary):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        os.dup2(to_chrome_r, 10)
        os.dup2(from_chrome_w, 11)

        def child_fds():
            os.dup2(10, 3)
            os.dup2(11, 4)

        args = [binary, '--headless=new', '--remote-debugging-pipe', '--user-data-dir=' + profile,
                '--no-first-run', '--no-default-browser-check', '--disable-extensions',
                '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
                '--disable-background-networking', '--disable-component-update',
                '--disable-sync', '--password-store=basic', '--use-mock-keychain',
                '--font-render-hinting=none', 'about:blank']
        if os.geteuid() == 0:
            args.insert(1, '--no-sandbox')
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=child_fds,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(profile, 'chromium.log'), 'wb'))
        for fd in (to_chrome_r, from_chrome_w, 10, 11):
            os.close(fd)
        self.out = to_chrome_w
        self.inp = from_chrome_r
        self.buf = b''
        self.next_id = 0
        self.session = None
        target = self.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        self.session = self.call('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
        self.call('Page.enable')
        self.call('Runtime.enable')
        self.call('Network.enable')

    def call(self, method, params=None, timeout=30):
        """Sends a command and returns its result."""
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if self.session is not None:
            msg['sessionId'] = self.session
        os.write(self.out, json.dumps(msg).encode() + b'\0')
        deadline = time.time() + timeout
        while True:
            while b'\0' in self.buf:
                raw, self.buf = self.buf.split(b'\0', 1)
                answer = json.loads(raw)
                if answer.get('id') == self.next_id:
                    if 'error' in answer:
                        raise RuntimeError(method + ': ' + answer['error'].get('message', '?'))
                    return answer.get('result', {})
            if time.time() > deadline:
                raise RuntimeError(method + ': no answer')
            chunk = os.read(self.inp, 1 << 16)
            if not chunk:
                raise RuntimeError('chromium exited')
            self.buf += chunk

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page."""
        result = self.call('Runtime.evaluate', {'expression': expression, 'returnByValue': True,
                                                'awaitPromise': True})
        if 'exceptionDetails' in result:
            return {'exception': result['exceptionDetails'].get('text', '?')}
        return result['result'].get('value')

    def quit(self):
        """Closes the browser and waits for it."""
        try:
            self.session = None
            self.call('Browser.close', timeout=5)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    """Reads commands from stdin until quit or the end."""
    profile = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else 'chromium'
    os.makedirs(profile, exist_ok=True)
    browser = Browser(profile, binary)
    headers = {}
    try:
        for line in sys.stdin:
            cmd, _, rest = line.rstrip('\n').partition(' ')
            try:
                if cmd == 'size':
                    w, h = rest.split()
                    browser.call('Emulation.setDeviceMetricsOverride',
                                 {'width': int(w), 'height': int(h), 'deviceScaleFactor': 1, 'mobile': False})
                    reply = 'ok'
                elif cmd == 'header':
                    name, _, value = rest.partition(' ')
                    headers[name] = value
                    browser.call('Network.setExtraHTTPHeaders', {'headers': headers})
                    reply = 'ok'
                elif cmd == 'open':
                    result = browser.call('Page.navigate', {'url': rest})
                    if result.get('errorText'):
                        reply = 'error ' + result['errorText']
                    else:
                        deadline = time.time() + 20
                        while browser.evaluate('document.readyState') != 'complete' and time.time() < deadline:
                            time.sleep(0.05)
                        reply = 'ok'
                elif cmd == 'eval':
                    reply = json.dumps(browser.evaluate(rest))
                elif cmd == 'wait':
                    seconds, _, expression = rest.partition(' ')
                    deadline = time.time() + float(seconds)
                    value = browser.evaluate(expression)
                    while not value and time.time() < deadline:
                        time.sleep(0.05)
                        value = browser.evaluate(expression)
                    reply = ('ok ' if value else 'timeout ') + json.dumps(value)
                elif cmd == 'shot':
                    data = browser.call('Page.captureScreenshot', {'format': 'png'})['data']
                    with open(rest, 'wb') as f:
                        f.write(base64.b64decode(data))
                    reply = 'ok'
                elif cmd == 'html':
                    with open(rest, 'w', encoding='utf-8') as f:
                        f.write(browser.evaluate('document.documentElement.outerHTML') or '')
                    reply = 'ok'
                elif cmd == 'quit':
                    break
                else:
                    reply = 'error unknown command'
            except (RuntimeError, OSError, ValueError) as e:
                reply = 'error ' + str(e).replace('\n', ' ')
            print(reply, flush=True)
    finally:
        browser.quit()
        print('ok', flush=True)


if __name__ == '__main__':
    main()

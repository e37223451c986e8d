# TEST HELPER, NOT THE NIXOS TEST DRIVER: executes a generated test script against fake
# machine objects that record every call, so tests can check what a script would ask the
# real driver to do (and that user data arrives byte for byte). No VM is involved.
#
# usage: python3 fake_machines.py SCRIPT CONFIG_JSON
#   CONFIG: {"nodes": {"laptop": {"ip": "192.168.1.1", "hostName": "laptop"}},
#            "rules": [{"contains": "...", "rc": 1, "out": "..."}],   # execute/succeed/fail results
#            "raise_on": "substring"}                                    # wait_* calls raise
# prints the recorded calls as JSON on stdout; the script's markers go to stderr.
import json
import sys
import time
from contextlib import contextmanager

script_path, config = sys.argv[1], json.loads(sys.argv[2])
calls = []
clock = [1000.0]
time.sleep = lambda s: clock.__setitem__(0, clock[0] + float(s))
time.monotonic = lambda: clock[0]


class FakeMachine:
    def __init__(self, name):
        self.name = name

    def _rec(self, method, *args, **kwargs):
        calls.append({"node": self.name, "method": method, "args": list(args), "kwargs": kwargs})
        print(self.name + ": " + method + " " + json.dumps(list(args)), file=sys.stderr)
        clock[0] += 0.5

    def _result(self, command):
        for rule in config.get("rules", []):
            if rule["contains"] in command:
                return rule.get("rc", 0), rule.get("out", "")
        return 0, ""

    def execute(self, command, **kwargs):
        self._rec("execute", command, **kwargs)
        return self._result(command)

    def succeed(self, command, **kwargs):
        self._rec("succeed", command, **kwargs)
        rc, out = self._result(command)
        if rc != 0:
            raise Exception("command `" + command + "` failed (exit code " + str(rc) + ")")
        return out

    def fail(self, command, **kwargs):
        self._rec("fail", command, **kwargs)
        rc, out = self._result(command)
        if rc == 0:
            raise Exception("command `" + command + "` unexpectedly succeeded")
        return out

    def wait_until_succeeds(self, command, **kwargs):
        self._rec("wait_until_succeeds", command, **kwargs)
        rc, out = self._result(command)
        if rc != 0:
            raise Exception("action timed out")
        return out

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self._rec(method, *args, **kwargs)
            if config.get("raise_on") and any(config["raise_on"] in str(a) for a in args):
                raise Exception(method + " failed")
        return call


@contextmanager
def subtest(name):
    print("subtest: " + name, file=sys.stderr)
    start = clock[0]
    try:
        yield
    except Exception as e:
        print('!!! Test "' + name + '" failed with error: "' + str(e) + '"', file=sys.stderr)
        raise
    finally:
        print("(finished: subtest: " + name + ", in %.2f seconds)" % (clock[0] - start), file=sys.stderr)


source = open(script_path).read()
source = source.replace('"@NIXCHECK_NODES@"', json.dumps(json.dumps(config["nodes"])))
env = {"subtest": subtest, "__name__": "__main__"}
for name in config["nodes"]:
    env[name] = FakeMachine(name)
code = 0
try:
    exec(compile(source, "<string>", "exec"), env)
except Exception as e:
    print("!!! " + type(e).__name__ + ": " + str(e), file=sys.stderr)
    code = 1
print(json.dumps(calls))
sys.exit(code)

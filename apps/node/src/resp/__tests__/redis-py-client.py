"""redis-py (Debian python3-redis) against a MerkleKV RESP port: prints one JSON line of what it saw."""
import json
import sys

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=False)
out = {}
out["ping"] = r.ping()
out["set"] = r.set("py:k", "v")
out["get"] = r.get("py:k").decode()
out["missing"] = r.get("py:missing")
r.set("py:utf8", "héllo wörld ✓ 日本語".encode("utf-8"))
out["utf8"] = r.get("py:utf8").decode("utf-8")
blob = bytes(range(256))
r.set("py:bin", blob)
out["bin_equal"] = r.get("py:bin") == blob
pipe = r.pipeline(transaction=False)
for i in range(200):
    pipe.set(f"py:p:{i}", f"v{i}")
for i in range(200):
    pipe.get(f"py:p:{i}")
results = pipe.execute()
out["pipeline_ok"] = results[:200] == [True] * 200 and [x.decode() for x in results[200:]] == [f"v{i}" for i in range(200)]
out["incr"] = r.incr("py:n", 7)
out["scan_count"] = len(list(r.scan_iter(match="py:p:*", count=50)))
info = r.info()
out["info"] = [info["redis_version"], info["role"], info["loading"], info["db0"]["keys"] == r.dbsize()]
try:
    r.execute_command("MULTI")
    out["multi"] = "no error"
except redis.ResponseError as e:
    out["multi"] = str(e)
try:
    r.execute_command("DISCARD")
except redis.ResponseError:
    pass
try:
    r.pipeline(transaction=True).set("py:tx", "b").execute()
    out["transaction"] = "no error"
except redis.ResponseError as e:
    out["transaction"] = str(e)
out["transaction_wrote"] = r.exists("py:tx")
out["set_ex"] = r.set("py:ttl", "v", ex=100)
out["ttl"] = r.ttl("py:ttl")
out["set_px_nx"] = r.set("py:ttl", "w", px=5000, nx=True)
r.set("py:ttl2", "v", px=200000)
out["pttl"] = r.pttl("py:ttl2")
out["setex"] = r.setex("py:ttl3", 50, "v")
out["expire"] = r.expire("py:ttl3", 300)
out["ttl3"] = r.ttl("py:ttl3")
out["persist"] = r.persist("py:ttl3")
out["ttl_after_persist"] = r.ttl("py:ttl3")
out["ttl_missing"] = r.ttl("py:nope")
out["getex"] = r.getex("py:ttl3", ex=60).decode()
out["ttl_after_getex"] = r.ttl("py:ttl3")
try:
    r.set("py:ttl", "v", ex=0)
    out["set_ex_0"] = "no error"
except redis.ResponseError as e:
    out["set_ex_0"] = str(e)
print(json.dumps(out))

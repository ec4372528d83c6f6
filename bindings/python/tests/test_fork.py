"""After fork() the child works on its own copy of the data, as with any in-process store."""

import os

import ferricache


def test_the_child_gets_a_copy_and_the_parent_keeps_its_own():
    c = ferricache.Cache(decode_responses=True)
    c.set("shared", "before")
    c.rpush("queue", "a")
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code, never raise
        ok = c.get("shared") == "before" and c.lpop("queue") == "a"
        c.set("shared", "child")
        ok = ok and c.get("shared") == "child" and c.incr("n") == 1
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert c.get("shared") == "before" and c.lrange("queue", 0, -1) == ["a"]

"""Java is present (the other Spark tests need it) and its absence gives a clear error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from custseg.exceptions import CustsegError
from custseg.spark import SparkUnavailableError, check_java

pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py


def test_java_version_works_here():
    done = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail("`java -version` failed: the Spark engine needs Java 17+ "
                    "(apt-get install default-jre-headless, or set JAVA_HOME)")
    assert check_java() >= 17


def test_missing_java_names_the_fix(tmp_path):
    env = {"PATH": str(tmp_path)}
    with pytest.raises(SparkUnavailableError, match=r"Java was not found.*JAVA_HOME is not "
                                                   r"set.*apt-get install default-jre-headless"):
        check_java(env)


def test_java_home_without_java_is_reported(tmp_path):
    with pytest.raises(CustsegError, match=r"JAVA_HOME=.* has no bin/java"):
        check_java({"PATH": str(tmp_path), "JAVA_HOME": str(tmp_path)})


def test_run_spark_without_java_fails_before_starting_spark(tmp_path):
    data = tmp_path / "c.csv"
    data.write_text("a,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    code = ("import sys\nfrom custseg.config import RunConfig\n"
            "from custseg.spark import run_spark\n"
            "try:\n    run_spark(sys.argv[1], RunConfig(k=2), sys.argv[2])\n"
            "except Exception as err:\n    print(type(err).__name__, err)\n"
            "print('pyspark' in sys.modules and 'SparkContext started' or 'no jvm')\n")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java on PATH
    done = subprocess.run([sys.executable, "-c", code, str(data), str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert "SparkUnavailableError Java was not found" in done.stdout, done.stderr[-2000:]
    assert "apt-get install default-jre-headless" in done.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "said"), [
    ({"mixed": "kprototypes"}, "--mixed kprototypes is not available on the Spark engine"),
    ({"mixed": "famd"}, "--mixed famd is not available on the Spark engine"),
    ({"pca": "5"}, "--pca 5 is not available on the Spark engine"),
])
def test_local_only_options_are_refused_before_spark_starts(tmp_path, option, said):
    from custseg.exceptions import ConfigError
    from custseg.spark import engine

    data = tmp_path / "c.csv"
    data.write_text("a,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    # spark=None would start a session: the error must come first, so no JVM is needed
    with pytest.raises(ConfigError, match=said):
        engine.run(data, **option)

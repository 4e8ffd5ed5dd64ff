"""Checks that Spark can start here: Java 17+ and pyspark, with a clear error otherwise.

Example
-------
>>> java_version_from_text('openjdk version "17.0.15" 2025-04-15')
17
>>> java_version_from_text('java version "1.8.0_392"')
8
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping

from custseg.exceptions import CustsegError

MIN_JAVA = 17
INSTALL_HINT = ("install Java 17 or newer (Debian/Ubuntu: apt-get install default-jre-headless; "
                "macOS: brew install openjdk@17) and put `java` on PATH or set JAVA_HOME to "
                "its folder")


class SparkUnavailableError(CustsegError, RuntimeError):
    """Spark cannot run here: Java or pyspark is missing or too old."""


def java_version_from_text(text: str) -> int | None:
    """Major Java version from ``java -version`` output (``1.8`` counts as 8)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java(env: Mapping[str, str] | None = None) -> str | None:
    """The java binary Spark's launcher would use: $JAVA_HOME/bin/java, else PATH."""
    env = os.environ if env is None else env
    home = env.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None
    return shutil.which("java", path=env.get("PATH", ""))


def check_java(env: Mapping[str, str] | None = None) -> int:
    """Return the Java major version, or raise :class:`SparkUnavailableError` saying how to fix.

    ``env`` defaults to the process environment (pass one to test another set-up).
    """
    env = os.environ if env is None else env
    java = find_java(env)
    if java is None:
        where = (f"JAVA_HOME={env.get('JAVA_HOME')!r} has no bin/java" if env.get("JAVA_HOME")
                 else "no `java` on PATH and JAVA_HOME is not set")
        raise SparkUnavailableError("Java was not found: the Spark engine needs a Java runtime",
                                    where=where, fix=INSTALL_HINT)
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                              env=dict(env), check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SparkUnavailableError(f"`{java} -version` failed ({type(err).__name__})",
                                    where=java, fix=INSTALL_HINT) from None
    version = java_version_from_text(done.stderr + done.stdout)
    if done.returncode != 0 or version is None:
        raise SparkUnavailableError(f"`{java} -version` did not report a version "
                                    f"(exit code {done.returncode})", where=java,
                                    fix=INSTALL_HINT)
    if version < MIN_JAVA:
        raise SparkUnavailableError(f"Java {version} is too old: Spark 4 needs Java {MIN_JAVA}+",
                                    where=java, fix=INSTALL_HINT)
    return version


def check_pyspark() -> str:
    """Return the pyspark version, or raise :class:`SparkUnavailableError`."""
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailableError("pyspark is not installed", where="--engine spark",
                                    fix="pip install 'custseg[spark]' (or pip install pyspark)"
                                    ) from None
    return str(pyspark.__version__)

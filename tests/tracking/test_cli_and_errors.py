"""The command line contract of issue #17, the control group, and every new error (exit 2)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from custseg.exceptions import InputError
from custseg.outputs import write_outputs
from custseg.tracking import control_flags, match_in_model_space, match_profiles, read_previous
from custseg.tracking.holdout import normalise_id, parse_holdout
from custseg.tracking.scoring import add_previous_segments
from custseg.tracking.series import run_series
from custseg.workflow import run
from tests.cli.helpers import invoke
from tests.tracking.conftest import FAST, blobs, move

FEATURES = ["customer_id", "spend", "visits", "tenure"]
CLI_FAST = ("--k", "3", "--algorithms", "kmeans", "--no-report", "--no-stability",
            "--no-feature-selection", "-q")


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A small previous run (150 customers in three far-apart groups) and its input file."""
    root = tmp_path_factory.mktemp("prev")
    frame = blobs({"A": 70, "B": 50, "C": 30})
    frame[FEATURES].to_csv(root / "period1.csv", index=False)
    result = run(frame[FEATURES], **FAST)
    return frame, result, write_outputs(result, root / "out", report=False)


def _fails(code, out, err, pattern):
    assert code == 2, (code, out, err)
    assert re.search(pattern, err), err
    assert "Traceback" not in err + out


# ------------------------------------------------------------------ control group
@pytest.mark.parametrize("share", [0.05, 0.1, 0.3])
def test_control_share_within_one_point_on_10k_customers(share):
    ids = [f"CUST-{i:06d}" for i in range(10_000)]
    assert abs(control_flags(ids, share).mean() - share) <= 0.01
    numeric = np.arange(100_000, 110_000)
    assert abs(control_flags(numeric, share).mean() - share) <= 0.01


def test_control_flag_is_a_function_of_id_and_salt_only():
    ids = [f"C{i}" for i in range(2000)]
    flags = dict(zip(ids, control_flags(ids, 0.1), strict=True))
    shuffled = list(np.random.default_rng(0).permutation(ids))[:500]
    assert [flags[i] for i in shuffled] == control_flags(shuffled, 0.1).tolist()
    # the same customer written as 12346, 12346.0 or "12346" keeps its flag
    assert normalise_id(12346.0) == normalise_id("12346") == normalise_id("12346.0")
    assert control_flags([12346.0], 0.5).tolist() == control_flags(["12346"], 0.5).tolist()
    # another salt draws another group
    assert control_flags(ids, 0.1, salt="2024").tolist() != list(flags.values())


def test_holdout_column_is_stable_across_runs_and_files(previous, tmp_path):
    frame, _, _ = previous
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    frame[FEATURES].to_csv(first, index=False)
    frame[FEATURES].sample(frac=0.8, random_state=1).to_csv(second, index=False)
    outs = []
    for i, path in enumerate((first, second)):
        out = tmp_path / f"out{i}"
        code, _, err = invoke("run", path, "-o", out, "--holdout", "10%", *CLI_FAST)
        assert code == 0, err
        outs.append(out)
    a = pd.read_csv(outs[0] / "segments.csv").set_index("customer_id")["control"]
    b = pd.read_csv(outs[1] / "segments.csv").set_index("customer_id")["control"]
    assert set(a.unique()) <= {0, 1} and (a.loc[b.index] == b).all()
    hold = json.loads((outs[0] / "summary.json").read_text())["tracking"]["holdout"]
    assert hold["share_requested"] == 0.1 and hold["n_control"] == int(a.sum())
    assert sum(s["control"] for s in hold["per_segment"].values()) == int(a.sum())
    assert sum(s["customers"] for s in hold["per_segment"].values()) == len(a)


def test_parse_holdout_forms_and_refusal():
    assert parse_holdout("10%") == parse_holdout("0.1") == parse_holdout(10) == 0.1
    for bad in ("60%", "0", "ten", "-5%"):
        with pytest.raises(ValueError, match=r"cannot read holdout .* at most 50%"):
            parse_holdout(bad)


def test_cli_holdout_out_of_range_exit_2(previous, tmp_path):
    code, out, err = invoke("run", previous[2].parent / "period1.csv", "-o", tmp_path / "o",
                            "--holdout", "60%", *CLI_FAST)
    _fails(code, out, err, r"cannot read holdout '60%'")


# ------------------------------------------------------------------ --previous on the CLI
def test_cli_previous_keeps_ids_and_writes_migration(previous, tmp_path):
    frame, first, folder = previous
    movers = frame.loc[frame["truth"] == "A", "customer_id"].iloc[:7].tolist()
    later = move(frame, movers, "C")
    path = tmp_path / "period2.csv"
    later[FEATURES].to_csv(path, index=False)
    out = tmp_path / "out"
    code, _out, err = invoke("run", path, "-o", out, "--previous", folder, "--seed", "4",
                             *CLI_FAST)
    assert code == 0, err
    table = pd.read_csv(out / "migration.csv")
    moved = table[table["kind"] == "moved"]
    assert moved["customers"].tolist() == [7]
    summary = json.loads((out / "summary.json").read_text())
    assert [s["name"] for s in summary["segments"]] == [first.names[s["id"]]
                                                        for s in summary["segments"]]
    # assign with --previous-segments: previous_segment and moved per customer
    scored = tmp_path / "scored.csv"
    code, _, err = invoke("assign", folder / "model.skops", path, "-o", scored,
                               "--previous-segments", folder / "segments.csv", "-q")
    assert code == 0, err
    scores = pd.read_csv(scored).set_index("customer_id")
    assert list(scores.columns[-2:]) == ["previous_segment", "moved"]
    assert scores.loc[movers, "moved"].eq(1).all()
    assert scores["moved"].sum() == 7


def test_cli_previous_not_a_custseg_folder_exit_2(previous, tmp_path):
    data = previous[2].parent / "period1.csv"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    cases = [(tmp_path / "missing", r"the --previous folder does not exist"),
             (data, r"--previous must be a folder, not a file"),
             (tmp_path / "notes", r"the --previous folder is not a custseg output "
                                  r"\(no summary\.json\)")]
    for folder, pattern in cases:
        code, out, err = invoke("run", data, "-o", tmp_path / "o", "--previous", folder,
                                *CLI_FAST)
        _fails(code, out, err, pattern)
        assert not (tmp_path / "o").exists()


def test_cli_previous_with_incompatible_features_exit_2(previous, tmp_path):
    other = pd.DataFrame({"customer_id": [f"X{i}" for i in range(60)],
                          "age": np.arange(60) % 7 + 20.0, "income": np.arange(60) * 3.0})
    path = tmp_path / "other.csv"
    other.to_csv(path, index=False)
    code, out, err = invoke("run", path, "-o", tmp_path / "o", "--previous", previous[2],
                            *CLI_FAST)
    _fails(code, out, err, r"the previous run used features this input lacks \('spend'")
    assert not (tmp_path / "o").exists()


def test_cli_previous_output_folder_is_protected(previous, tmp_path):
    folder = previous[2]
    code, out, err = invoke("run", folder.parent / "period1.csv", "-o", folder, "--previous",
                            folder, *CLI_FAST)
    _fails(code, out, err, r"the output folder holds the input")
    assert (folder / "summary.json").is_file()


# ------------------------------------------------------------------ damaged previous folders
def _copy(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_damaged_previous_folders_are_refused(previous, tmp_path):
    folder = _copy(previous[2], tmp_path)
    (folder / "segments.csv").rename(folder / "segments.bak")
    with pytest.raises(InputError, match=r"the --previous folder has no segments\.csv"):
        read_previous(folder)
    (folder / "segments.bak").rename(folder / "segments.csv")
    (folder / "model.skops").write_text("not a model")
    with pytest.raises(InputError, match=r"the --previous model\.skops cannot be loaded: not a "
                                         "custseg model file"):
        read_previous(folder)
    (folder / "model.skops").unlink()
    pd.DataFrame({"customer_id": ["a"], "group": [1]}).to_csv(folder / "segments.csv")
    with pytest.raises(InputError, match=r"the --previous segments\.csv has no .segment. column"):
        read_previous(folder)
    (folder / "summary.json").write_text('{"n_rows": 3}')
    with pytest.raises(InputError, match=r"its summary\.json has no schema_version or segments"):
        read_previous(folder)
    (folder / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match=r"the --previous summary.json cannot be read "
                                         r"\(JSONDecodeError\)"):
        read_previous(folder)


def test_features_of_another_type_are_incompatible(previous):
    frame, first, _ = previous
    text = frame[FEATURES].assign(spend=["high"] * len(frame))
    with pytest.raises(InputError, match=r"the previous run's features are incompatible with "
                                         r"this input: column 'spend' held numbers"):
        match_in_model_space(first.model, text, first.labels)


def test_profile_matching_errors():
    prev = [{"id": 0, "share": 1.0, "profile": {"numeric": {"spend": {"mean": 1.0}}}},
            {"id": 1, "share": 0.0, "profile": {"numeric": {"spend": {"mean": 1.0}}}}]
    other = [{"id": 0, "size": 5, "profile": {"numeric": {"age": {"mean": 3.0}}}}]
    with pytest.raises(InputError, match="share no numeric feature to match segments on"):
        match_profiles(prev, other)
    same = [{"id": 0, "size": 5, "profile": {"numeric": {"spend": {"mean": 3.0}}}}]
    with pytest.raises(InputError, match="segments do not differ on any shared numeric"):
        match_profiles(prev, same)


def test_previous_segments_errors(tmp_path):
    table = pd.DataFrame({"customer_id": ["a", "b"], "segment": [0, 1]})
    with pytest.raises(InputError, match="the --previous-segments file does not exist"):
        add_previous_segments(table, tmp_path / "none.csv")
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"id": ["a"], "segment": [0]}).to_csv(wrong, index=False)
    with pytest.raises(InputError, match=r"needs the columns 'customer_id' and 'segment'"):
        add_previous_segments(table, wrong)
    with pytest.raises(InputError, match="moves need a customer id"):
        add_previous_segments(table.rename(columns={"customer_id": "row"}), wrong)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(InputError, match=r"the --previous-segments file cannot be read"):
        add_previous_segments(table, binary)


def test_assign_previous_segments_missing_exit_2(previous, tmp_path):
    folder = previous[2]
    code, out, err = invoke("assign", folder / "model.skops", folder.parent / "period1.csv",
                            "-o", tmp_path / "s.csv", "--previous-segments",
                            tmp_path / "none.csv")
    _fails(code, out, err, r"the --previous-segments file does not exist")


def test_series_needs_increasing_dates():
    with pytest.raises(ValueError, match="a series needs at least two increasing as-of dates"):
        run_series("log.csv", ["2011-06-09"], "out")


def test_assign_previous_segments_on_spark_is_refused(previous, tmp_path):
    folder = previous[2]
    code, out, err = invoke("assign", folder / "model.skops", folder.parent / "period1.csv",
                            "-o", tmp_path / "s.csv", "--engine", "spark",
                            "--previous-segments", folder / "segments.csv")
    _fails(code, out, err, r"--previous-segments is not available with --engine spark")

"""rollout.toml: the shipped configuration loads, and every kind of bad value is an error naming its field."""

from __future__ import annotations

import tomllib

import pytest

from techhub.models.offline import OfflineChatModel
from techhub.rollout.configs import (
    DEFAULT_CONFIG_FILE,
    RolloutConfigError,
    load_rollout_config,
    parse_rollout_config,
)


def shipped() -> dict:
    return tomllib.loads(DEFAULT_CONFIG_FILE.read_text())


def test_the_shipped_configuration_matches_the_seed():
    config = load_rollout_config()
    assert (config.production.name, config.production.model) == ("production", "gpt-4o-mini")
    assert (config.fallback.name, config.fallback.model) == ("fallback", "gpt-4o")
    assert config.production.enable_caching and config.production.max_retries == 2
    assert config.production.timeout_seconds == 30
    # The seed's Day 3-4 stage check and its risk-section rollback conditions, kept apart.
    stage = {t.describe() for t in config.gates.stage.triggers}
    rollback = {t.describe() for t in config.gates.rollback.triggers}
    assert {"success_rate < 0.95", "cost_per_query > 0.005", "error_rate > 0.05"} <= stage
    assert {"success_rate < 0.95", "error_rate > 0.1", "cost_per_query > 0.01", "latency_p95_s > 5"} <= (
        rollback
    )
    assert config.gates.stage.name == "stage" and "Day 3-4" in config.gates.stage.description


def test_configurations_carry_what_the_traces_and_the_agent_need():
    production = load_rollout_config().production
    assert production.tags() == ["production", "gpt-4o-mini", "standard"]
    configurable = production.configurable()
    assert configurable["model"] == "gpt-4o-mini" and configurable["version"] == "v2"
    assert configurable["rollout_config"] == "production"


def test_offline_each_configuration_runs_on_the_offline_model_priced_as_its_model():
    config = load_rollout_config()
    production, fallback = config.production.chat_model(), config.fallback.chat_model()
    assert isinstance(production, OfflineChatModel) and production.model_name == "gpt-4o-mini"
    assert isinstance(fallback, OfflineChatModel) and fallback.model_name == "gpt-4o"
    assert production.cache is None  # uses the process-wide cache when one is set
    assert fallback.cache is False  # enable_caching = false: bypasses it


@pytest.mark.parametrize(
    ("section", "key", "value", "field"),
    [
        ("production", "temperature", 3.5, "production.temperature"),
        ("production", "max_retries", -1, "production.max_retries"),
        ("fallback", "timeout_seconds", 0, "fallback.timeout_seconds"),
        ("fallback", "model", "gpt-5-turbo-imaginary", "fallback.model"),
        ("production", "prompt_version", "v9", "production.prompt_version"),
        ("production", "temprature", 0.2, "production.temprature"),  # a typo is not silently ignored
        ("routing", "threshold", 1.5, "routing.threshold"),
        ("ab", "confidence", 0.3, "ab.confidence"),
    ],
)
def test_a_bad_value_is_an_error_that_names_the_field(section, key, value, field):
    data = shipped()
    data[section][key] = value
    with pytest.raises(RolloutConfigError) as error:
        parse_rollout_config(data)
    assert f"{field}:" in str(error.value)
    assert "rollout.toml" in str(error.value)


def test_bad_gate_triggers_name_their_position():
    data = shipped()
    data["gates"]["stage"]["triggers"][1]["metric"] = "hrm_confidence_mean"
    data["gates"]["rollback"]["triggers"][0]["op"] = "<="
    with pytest.raises(RolloutConfigError) as error:
        parse_rollout_config(data)
    message = str(error.value)
    assert "gates.stage.triggers.1.metric:" in message and "'hrm_confidence_mean'" in message
    assert "gates.rollback.triggers.0.op:" in message


def test_a_missing_section_and_a_nested_threshold_are_named():
    data = shipped()
    del data["kpi"]
    data["production"]["thresholds"]["success_rate_min"] = 1.2
    with pytest.raises(RolloutConfigError) as error:
        parse_rollout_config(data)
    assert "kpi: Field required" in str(error.value)
    assert "production.thresholds.success_rate_min:" in str(error.value)


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(RolloutConfigError, match="cannot read"):
        load_rollout_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[production\nmodel = 'gpt-4o-mini'\n")
    with pytest.raises(RolloutConfigError, match="not valid TOML"):
        load_rollout_config(broken)
    edited = tmp_path / "edited.toml"
    edited.write_text(DEFAULT_CONFIG_FILE.read_text().replace("temperature = 0.0", "temperature = 'warm'", 1))
    with pytest.raises(RolloutConfigError, match=r"production\.temperature: Input should be a valid number"):
        load_rollout_config(edited)

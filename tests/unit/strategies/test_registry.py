"""Runnables are found by name and built with parsed parameters; mistakes get actionable messages."""

from __future__ import annotations

import pytest

from strategies import registry
from strategies.api import Strategy
from strategies.demo import DemoParams, DemoStrategy
from strategies.hodl import HodlParams, HodlStrategy
from strategies.params import ParamError, parse_pairs
from strategies.registry import UnknownStrategy


def test_builtins_are_listed() -> None:
    assert {"demo", "echo", "hodl"} <= set(registry.names())


def test_create_parses_parameters_into_the_strategys_type() -> None:
    s = registry.get("hodl").create({"bases": "BTC, ETH", "slippage_bps": "25"})
    assert isinstance(s, HodlStrategy)
    assert s.params == HodlParams(bases=("BTC", "ETH"), slippage_bps=25)
    d = registry.get("demo").create({"size_fx": "0.05", "pair": "ETH-USD"})
    assert isinstance(d, DemoStrategy) and d.params == DemoParams(pair="ETH-USD", size_fx=5_000_000)


def test_each_create_is_a_fresh_object() -> None:
    r = registry.get("echo")
    assert r.create() is not r.create()


def test_unknown_strategy_names_the_choices() -> None:
    choices = r"demo, echo, efficient_frontier, hodl"
    with pytest.raises(UnknownStrategy, match=rf"unknown strategy 'nope'; choose from .*{choices}"):
        registry.get("nope")


@pytest.mark.parametrize(("params", "message"), [
    ({"colour": "red"}, "hodl takes no parameter colour; it takes: bases, fee_reserve_bps, max_attempts"),
    ({"slippage_bps": "lots"}, "bad value 'lots' for parameter slippage_bps"),
    ({"bases": ""}, "bases must name at least one currency"),
    ({"bases": "USD"}, "cannot also be a base"),
])
def test_bad_parameters(params: dict[str, str], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        registry.get("hodl").create(params)


def test_param_pairs() -> None:
    assert parse_pairs(["a=1", " b = x,y "]) == {"a": "1", "b": "x,y"}
    with pytest.raises(ParamError, match="expected KEY=VALUE"):
        parse_pairs(["oops"])


def test_register_refuses_a_second_class_under_a_taken_name() -> None:
    class Other(Strategy):
        name = "hodl"

    with pytest.raises(ValueError, match="exists already"):
        registry.register(Other)

"""DDS transport for the G1's topics: a participant on one network interface and domain, and readers and
writers that move :mod:`g1mpc.lowlevel.messages` objects.

The topics are registered with ``unitree-dds-wrapper``'s generated ``unitree_hg`` types, so any peer that
uses Unitree's types (the robot, the SDK) matches them. Only the (de)serialization of the sample is
swapped for the :mod:`struct` codec of :mod:`~g1mpc.lowlevel.messages`, which writes the same bytes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cyclonedds.core import InstanceState, ReadCondition, SampleState, ViewState, WaitSet
from cyclonedds.domain import Domain, DomainParticipant
from cyclonedds.pub import DataWriter
from cyclonedds.qos import Policy, Qos
from cyclonedds.sub import DataReader, InvalidSample
from cyclonedds.topic import Topic
from cyclonedds.util import duration
from unitree_dds_wrapper.idl.unitree_hg.msg.dds_ import LowCmd_, LowState_

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.messages import LowCommand, LowState
from g1mpc.lowlevel.truth_msg import BaseTruth

LOWSTATE_TOPIC = "rt/lowstate"
LOWCMD_TOPIC = "rt/lowcmd"
TRUTH_TOPIC = "g1mpc/debug/base_truth"  # the simulated robot's true floating base, for the estimator's error
_CDR_LE = b"\x00\x01\x00\x00"  # XCDR1 encapsulation, little-endian


@dataclass(frozen=True)
class DdsConfig:
    """Where the topics live: ``interface`` (``lo`` for a simulated robot on this machine, the NIC wired to
    the robot otherwise) and the DDS ``domain`` (0 on a G1)."""

    interface: str = "lo"
    domain: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.domain, int) and 0 <= self.domain <= 232):
            raise ConfigError(f"--domain must be a DDS domain id between 0 and 232, got {self.domain}")
        if not os.path.exists(f"/sys/class/net/{self.interface}"):
            names = ", ".join(sorted(os.listdir("/sys/class/net"))) if os.path.isdir("/sys/class/net") else "?"
            raise ConfigError(f"--interface: no network interface '{self.interface}' here (have: {names})")

    def xml(self) -> str:
        return (f'<CycloneDDS><Domain id="{self.domain}"><General><Interfaces><NetworkInterface name="{self.interface}"/>'
                "</Interfaces></General></Domain></CycloneDDS>")


_domains: dict[int, tuple[Domain, str]] = {}  # one configured domain per id and process (Cyclone allows no second)
_domains_lock = threading.Lock()
# Topics, readers and writers are created one at a time per process: two threads creating the same topic at once
# (a robot-sim and a controller in one process) made Cyclone fail with a non-specific error.
_entities_lock = threading.Lock()


def open_participant(config: DdsConfig) -> DomainParticipant:
    """A participant in ``config.domain`` that talks on ``config.interface`` only."""
    with _domains_lock:
        if config.domain not in _domains:
            _domains[config.domain] = (Domain(config.domain, config.xml()), config.interface)
        elif _domains[config.domain][1] != config.interface:
            raise ConfigError(f"--domain {config.domain} is already open on interface {_domains[config.domain][1]} "
                              f"in this process; use another domain for {config.interface}")
    return DomainParticipant(config.domain)


class _Decoded:
    """Stands in for a reader's IDL type when samples are taken: decodes little-endian CDR with ``decode``."""

    def __init__(self, idl_type: type, decode: Callable[[bytes], Any]):
        self._idl_type, self._decode = idl_type, decode

    def deserialize(self, data: bytes, has_header: bool = True, use_version_2: bool | None = None) -> Any:
        if data[1] & 1 == 0:
            raise ValueError(f"{self._idl_type.__name__}: big-endian CDR is not supported")
        return self._decode(bytes(data[4:]))

    def deserialize_key(self, data: bytes, has_header: bool = True, use_version_2: bool | None = None) -> Any:
        return self._idl_type.deserialize_key(data, has_header=has_header, use_version_2=use_version_2)


class Reader:
    """The newest samples of one topic (``depth`` kept; older ones are dropped, as a controller wants)."""

    def __init__(self, participant: DomainParticipant, name: str, idl_type: type, decode: Callable[[bytes], Any] | None = None,
                 depth: int = 1):
        qos = Qos(Policy.Reliability.BestEffort, Policy.History.KeepLast(depth))
        with _entities_lock:
            topic = Topic(participant, name, idl_type)
            self._reader = DataReader(participant, topic, qos=qos)
        if decode is not None:
            topic.data_type = _Decoded(idl_type, decode)
        self._topic = topic
        self._waitset = WaitSet(participant)
        self._waitset.attach(ReadCondition(self._reader, SampleState.Any | ViewState.Any | InstanceState.Any))

    def wait(self, timeout: float) -> bool:
        """Block until a sample is waiting (True) or ``timeout`` s pass (False)."""
        return self._waitset.wait(duration(seconds=timeout)) > 0

    def take(self, count: int = 64) -> list:
        """Every sample that arrived since the last take (at most ``depth``), oldest first; a writer's
        disposal notices are dropped."""
        return [s for s in self._reader.take(count) if not isinstance(s, InvalidSample)]


class Writer:
    """Publishes one topic; ``encode`` (message -> little-endian CDR body) replaces the IDL serializer."""

    def __init__(self, participant: DomainParticipant, name: str, idl_type: type, encode: Callable[[Any], bytes] | None = None):
        with _entities_lock:
            self._writer = DataWriter(participant, Topic(participant, name, idl_type),
                                      qos=Qos(Policy.Reliability.BestEffort, Policy.History.KeepLast(1)))
        self._encode = encode
        self._carrier = idl_type() if encode is not None else None

    def write(self, message: Any, stamp_ns: int | None = None) -> None:
        """Publish ``message``; ``stamp_ns`` (ns since the epoch) is its source timestamp, by default the time of
        writing."""
        if self._encode is None:
            self._writer.write(message, stamp_ns)
            return
        body = _CDR_LE + self._encode(message)
        self._carrier.serialize = lambda *args, **kwargs: body  # the writer checks the type, then serializes
        self._writer.write(self._carrier, stamp_ns)


def lowstate_reader(participant: DomainParticipant, depth: int = 1) -> Reader:
    return Reader(participant, LOWSTATE_TOPIC, LowState_, LowState.from_cdr, depth)


def lowstate_writer(participant: DomainParticipant) -> Writer:
    return Writer(participant, LOWSTATE_TOPIC, LowState_, LowState.to_cdr)


def lowcmd_reader(participant: DomainParticipant, depth: int = 8) -> Reader:
    return Reader(participant, LOWCMD_TOPIC, LowCmd_, LowCommand.from_cdr, depth)


def lowcmd_writer(participant: DomainParticipant) -> Writer:
    return Writer(participant, LOWCMD_TOPIC, LowCmd_, LowCommand.to_cdr)


def truth_reader(participant: DomainParticipant) -> Reader:
    return Reader(participant, TRUTH_TOPIC, BaseTruth, depth=64)


def truth_writer(participant: DomainParticipant) -> Writer:
    return Writer(participant, TRUTH_TOPIC, BaseTruth)



"""A local, faithful emulator of Anthropic's Message Batches API."""

from batchtui.emulator.config import EmulatorConfig
from batchtui.emulator.server import Emulator, emulator_thread, run_forever, serve_emulator

__all__ = ["Emulator", "EmulatorConfig", "emulator_thread", "run_forever", "serve_emulator"]

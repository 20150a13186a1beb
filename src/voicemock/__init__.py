"""voicemock: rehearse AI product-manager interviews out loud."""

__version__ = "0.1.0"

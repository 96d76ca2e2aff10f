"""Raw Friends and Family Test responses."""

from expectations.rules import suite


def build_suites():
    return {"fft_responses": suite("fft_responses")}

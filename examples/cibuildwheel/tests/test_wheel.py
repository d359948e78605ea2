"""Run by cibuildwheel's test-command against each wheel it built (see pyproject.toml)."""


def test_wheel_keeps_the_promise_of_its_tags(manylinux_audit) -> None:  # noqa: ANN001 - the plugin's fixture
    """Judged against the tags the wheel declares: manylinux2014 or musllinux_1_2 here."""
    manylinux_audit.assert_compliant()

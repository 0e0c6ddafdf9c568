"""pytest plugin (loaded by scripts/conformance with -p): passes irctest's per-test controller
configuration to Parley.

The shared controller (../shared/irctest/parley.py) starts every server alike: the contract
has no flag for a test's TestCaseControllerConfig. Ergo's controller writes those requests into
Ergo's config; this does the same for Parley, through its ordinary environment configuration
(PARLEY_Server__...), when the controller builds the server's environment.

  account_registration_before_connect -> Server:Accounts:RegistrationBeforeConnect
  account_registration_requires_email -> Server:Accounts:RegistrationRequiresEmail
"""


def pytest_configure(config):  # noqa: ARG001 (pytest hook signature)
    try:
        from irctest.controllers import parley
    except ImportError:
        return
    controller = parley.ParleyController
    if getattr(controller, "_parley_test_config", False):
        return
    original_env = controller._env

    def _env(self):
        env = original_env(self)
        test_config = getattr(self, "test_config", None)
        if test_config is not None:
            def flag(value):
                return "true" if value else "false"

            env["PARLEY_Server__Accounts__RegistrationBeforeConnect"] = flag(
                test_config.account_registration_before_connect
            )
            env["PARLEY_Server__Accounts__RegistrationRequiresEmail"] = flag(
                test_config.account_registration_requires_email
            )
        return env

    controller._env = _env
    controller._parley_test_config = True

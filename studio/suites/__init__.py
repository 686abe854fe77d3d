"""Policy test suites: expected verdicts for a stack, kept beside it as `<stack>.tests.yaml`.

In the spirit of Cerbos's matrix suites and DMN's GIVEN/EXPECT grids: cases and matrices of
agents x customers x actions with the verdict, routes and reasons expected, shared fixtures,
and "no expectation means the default". `docs/test-suites.md` describes the format.

    from studio.suites import load_suite, run_suite, coverage

    suite = load_suite(Path("sample_stacks/b2b_saas_renewals.tests.yaml"))
    result = run_suite(suite, now=pinned_now)
    result.failures, coverage([result])

A studio testing the stack being edited reads the file once and binds it to that stack:
`run_suite(bind(read_suite(path), workshop_stack))`.
"""

from studio.suites.coverage import Coverage as Coverage
from studio.suites.coverage import coverage as coverage
from studio.suites.expect import Mismatch as Mismatch
from studio.suites.junit import junit_xml as junit_xml
from studio.suites.load import Suite as Suite
from studio.suites.load import SuiteDocument as SuiteDocument
from studio.suites.load import SuiteFileError as SuiteFileError
from studio.suites.load import SuiteInvalidError as SuiteInvalidError
from studio.suites.load import SuiteNotFoundError as SuiteNotFoundError
from studio.suites.load import bind as bind
from studio.suites.load import discover as discover
from studio.suites.load import load_suite as load_suite
from studio.suites.load import read_suite as read_suite
from studio.suites.load import read_suite_text as read_suite_text
from studio.suites.load import suite_beside as suite_beside
from studio.suites.model import FORMAT as FORMAT
from studio.suites.model import SuiteFile as SuiteFile
from studio.suites.probes import Probe as Probe
from studio.suites.report import SuitesReport as SuitesReport
from studio.suites.report import run_paths as run_paths
from studio.suites.run import ProbeResult as ProbeResult
from studio.suites.run import SuiteResult as SuiteResult
from studio.suites.run import run_suite as run_suite

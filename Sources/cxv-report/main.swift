// cxv-report: the command is in CXVReportCommand, which the multi-call program `cxv` runs too.
import CXVReportCommand

ReportCommand.main()

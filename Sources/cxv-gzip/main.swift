// cxv-gzip: the command is in CXVGzipCommand, which the multi-call program `cxv` runs too.
import CXVGzipCommand

GzipCommand.main()

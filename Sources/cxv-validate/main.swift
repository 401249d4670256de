// cxv-validate: the command is in CXVValidateCommand, which the multi-call program `cxv` runs too.
import CXVValidateCommand

ValidateCommand.main()

import DverCLI

Dver.runAndExit()

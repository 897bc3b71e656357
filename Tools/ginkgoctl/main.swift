import GinkgoTools

// `ginkgoctl X start` is `ginkgo ctl X start`; the daemon it launches runs `ginkgoctl serve X`.
let arguments = Array(CommandLine.arguments.dropFirst())
let passThrough = ["serve", "--version", "-v"]
GinkgoTool.runner.main(arguments: passThrough.contains(arguments.first ?? "") ? arguments : ["ctl"] + arguments)

import GinkgoTools

GinkgoTool.runner.main()

import Ginkgo

Runner(services: [Worker.self], version: "0.1.0").main()

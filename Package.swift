// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Ginkgo",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Ginkgo", targets: ["Ginkgo"]),
        .library(name: "GinkgoZeroMQ", targets: ["GinkgoZeroMQ"]),
        .library(name: "GinkgoNet", targets: ["GinkgoNet"]),
        .library(name: "GinkgoStdlib", targets: ["GinkgoStdlib"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["JSON", "YAML"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "Ginkgo",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Core"
        ),
        .target(
            name: "GinkgoNet",
            dependencies: [
                "Ginkgo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Net/GinkgoNet"
        ),
        .systemLibrary(
            name: "CZeroMQ",
            path: "Net/CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "GinkgoZeroMQ",
            dependencies: [
                "Ginkgo",
                "CZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Net/ZeroMQ"
        ),
        .target(
            name: "GinkgoStdlib",
            dependencies: [
                "Ginkgo",
                "GinkgoNet",
                "GinkgoZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Stdlib",
            exclude: ["Discovery/PROTOCOL.md", "Messaging/PROTOCOL.md"]
        ),
        .target(
            name: "GinkgoTools",
            dependencies: [
                "Ginkgo",
                "GinkgoStdlib",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/GinkgoTools"
        ),
        .executableTarget(name: "ginkgo", dependencies: ["GinkgoTools"], path: "Tools/ginkgo"),
        .executableTarget(
            name: "worker",
            dependencies: ["Ginkgo", "GinkgoNet", "GinkgoStdlib"],
            path: "Examples/Cluster/Worker"
        ),
        .executableTarget(name: "ginkgoctl", dependencies: ["GinkgoTools"], path: "Tools/ginkgoctl"),
        .testTarget(
            name: "GinkgoStdlibTests",
            dependencies: [
                "GinkgoStdlib", "Ginkgo", "GinkgoZeroMQ", "GinkgoNet", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            path: "Tests/GinkgoStdlibTests"
        ),
        .testTarget(
            name: "GinkgoZeroMQTests",
            dependencies: ["GinkgoZeroMQ", "Ginkgo", "TestSupport"],
            path: "Tests/GinkgoZeroMQTests"
        ),
        .executableTarget(
            name: "quickstart",
            dependencies: ["Ginkgo", "GinkgoNet", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Examples/Quickstart",
            exclude: ["service.conf.yaml"]
        ),
        .executableTarget(
            name: "zmqdemo",
            dependencies: ["Ginkgo", "GinkgoZeroMQ"],
            path: "Examples/ZMQDemo"
        ),
        .executableTarget(
            name: "runner-fixture",
            dependencies: ["Ginkgo"],
            path: "Tests/RunnerFixture"
        ),
        .executableTarget(
            name: "messaging-fixture",
            dependencies: ["Ginkgo", "GinkgoZeroMQ", "GinkgoStdlib"],
            path: "Tests/MessagingFixture"
        ),
        .testTarget(
            name: "ProcessTests",
            dependencies: [
                "quickstart", "runner-fixture", "zmqdemo", "ginkgo", "ginkgoctl", "worker", "messaging-fixture",
                "Ginkgo", "GinkgoZeroMQ", "GinkgoStdlib", "TestSupport",
            ],
            path: "Tests/ProcessTests"
        ),
        .target(
            name: "BenchmarkSupport",
            path: "Benchmarks/Support"
        ),
        .executableTarget(
            name: "service-tree-bench",
            dependencies: ["Ginkgo", "BenchmarkSupport"],
            path: "Benchmarks/ServiceTree"
        ),
        .executableTarget(
            name: "echo-bench",
            dependencies: [
                "Ginkgo", "GinkgoNet", "BenchmarkSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/Echo"
        ),
        .executableTarget(
            name: "nio-echo-server",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/NIOEcho"
        ),
        .executableTarget(
            name: "http-bench",
            dependencies: [
                "Ginkgo", "GinkgoNet", "BenchmarkSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/HTTP"
        ),
        .executableTarget(
            name: "hummingbird-hello",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/HummingbirdHello"
        ),
        .executableTarget(
            name: "zmq-bench",
            dependencies: ["GinkgoZeroMQ", "BenchmarkSupport"],
            path: "Benchmarks/ZeroMQ"
        ),
        .executableTarget(
            name: "rpc-bench",
            dependencies: ["Ginkgo", "GinkgoStdlib", "BenchmarkSupport"],
            path: "Benchmarks/RPC"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Ginkgo"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "GinkgoTests",
            dependencies: ["Ginkgo", "TestSupport"],
            path: "Tests/GinkgoTests"
        ),
        .testTarget(
            name: "GinkgoNetTests",
            dependencies: [
                "GinkgoNet",
                "Ginkgo",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/GinkgoNetTests"
        ),
    ]
)

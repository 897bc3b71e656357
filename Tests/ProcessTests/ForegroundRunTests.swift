import Foundation
import Testing

/// `quickstart` run in the foreground, as a user types it.
@Suite(.timeLimit(.minutes(2)))
struct ForegroundRunTests {
    @Test func runsUntilSIGTERMThenExitsZero() async throws {
        let child = try ChildProcess("quickstart", ["HelloWorld", "--set", "rate_per_minute=600"])
        await child.expect("INFO HelloWorld: Hello World")
        child.signal(SIGTERM)
        await child.expectCleanExit()
        #expect(child.output.contains("INFO HelloWorld: Goodbye."))
        // The original's format: date, time with milliseconds, level, label, message.
        let line = try #require(child.output.split(separator: "\n").first { $0.contains("Starting up!") })
        #expect(line.wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO HelloWorld: Starting up!/) != nil)
    }

    @Test func ctrlCStopsGracefully() async throws {
        let child = try ChildProcess("quickstart", ["HelloWorld"])
        await child.expect("Starting up!")
        child.signal(SIGINT)
        await child.expectCleanExit()
        #expect(child.output.contains("Goodbye."))
    }

    @Test func helpListsBuiltinAndServiceSettings() async throws {
        let (status, output) = try await ChildProcess.run(
            "quickstart",
            ["HelloWorld", "--help"],
            environment: ["RATE_PER_MINUTE": "42"]
        )
        #expect(status == 0)
        for key in [
            "daemon", "group", "logconfig", "logfile", "loglevel", "pidfile", "rundir", "umask", "user",
            "shutdown_timeout",
        ] {
            #expect(output.contains("\n  \(key)"), "missing \(key)")
        }
        #expect(output.contains("/tmp/HelloWorld.log"))
        #expect(output.contains("message") && output.contains("Message to print out while running [Hello World]"))
        #expect(output.contains("current: 42 (environment variable RATE_PER_MINUTE)"))
    }

    @Test func configFileRunUsesItsSettings() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        let config = try sandbox.writeConfig(message: "Services all the way down.", rate: 600)
        let child = try ChildProcess("quickstart", [config])
        await child.expect("INFO HelloWorld: Services all the way down.")
        child.signal(SIGTERM)
        await child.expectCleanExit()
    }

    @Test func environmentOverridesTheFileAndSetOverridesBoth() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        let config = try sandbox.writeConfig(message: "from the file", rate: 600)
        let fromEnvironment = try ChildProcess("quickstart", [config], environment: ["MESSAGE": "from the environment"])
        await fromEnvironment.expect("INFO HelloWorld: from the environment")
        fromEnvironment.signal(SIGTERM)
        await fromEnvironment.expectCleanExit()

        let fromFlag = try ChildProcess(
            "quickstart",
            [config, "--set", "message=from --set"],
            environment: ["MESSAGE": "from the environment"]
        )
        await fromFlag.expect("INFO HelloWorld: from --set")
        fromFlag.signal(SIGTERM)
        await fromFlag.expectCleanExit()
    }

    @Test func badConfigValueExits78NamingTheKey() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try "service: HelloWorld\nrate_per_minute: fast\n".write(
            toFile: sandbox.path("bad.yaml"),
            atomically: true,
            encoding: .utf8
        )
        let (status, output) = try await ChildProcess.run("quickstart", [sandbox.path("bad.yaml")])
        #expect(status == 78)
        #expect(
            output.contains("setting rate_per_minute: expected int, got \"fast\" (\(sandbox.path("bad.yaml")), line 2)")
        )

        let flag = try await ChildProcess.run("quickstart", ["HelloWorld", "--set", "loglevel=loud"])
        #expect(flag.status == 78 && flag.output.contains("setting loglevel"))

        let malformed = try await ChildProcess.run("quickstart", ["HelloWorld", "--set", "nonsense"])
        #expect(malformed.status == 64 && malformed.output.contains("--set expects key=value"))
    }

    @Test func unknownServiceExits64ListingTheRegisteredOnes() async throws {
        let (status, output) = try await ChildProcess.run("quickstart", ["HelloWrold"])
        #expect(status == 64)
        #expect(output.contains("unknown service \"HelloWrold\""))
        #expect(output.contains("services: ") && output.contains("HelloWorld"))
    }

    @Test func startFailureExits1NamingTheService() async throws {
        let (status, output) = try await ChildProcess.run("quickstart", ["HelloWorld", "--set", "rate_per_minute=0"])
        #expect(status == 1)
        #expect(output.contains("HelloWorld failed to start: rate_per_minute must be at least 1, got 0"))
    }

    @Test func aFailureInTheTreeExits1() async throws {
        let (status, output) = try await ChildProcess.run("runner-fixture", ["Crashing"])
        #expect(status == 1)
        #expect(output.contains("Crashing failed in a spawned task: the disk is on fire"))
    }

    @Test func stopPastShutdownTimeoutExitsNonZeroNamingTheStuckServices() async throws {
        let child = try ChildProcess("runner-fixture", ["Stubborn", "--set", "shutdown_timeout=200ms"])
        await child.expect("Stubborn is ready.")
        child.signal(SIGTERM)
        #expect(await child.exitStatus() == 1)
        #expect(child.output.contains("did not stop within 200ms: Stubborn, Stubborn/Worker"))
    }

    @Test func logLevelsPerLabelAndFormatFollowTheSettings() async throws {
        let child = try ChildProcess(
            "quickstart",
            [
                "HelloWorld", "--set", "loglevel=warning", "--set", "logconfig.levels=HelloWorld=info",
                "--set", "logconfig.format={level} [{label}] {message}", "--set", "rate_per_minute=600",
            ]
        )
        await child.expect("INFO [HelloWorld] Hello World")
        child.signal(SIGTERM)
        await child.expectCleanExit()
        // The runner's own info lines are below its level (warning); HelloWorld's are not.
        #expect(!child.output.contains("Starting HelloWorld"))
        #expect(child.output.contains("INFO [HelloWorld] Goodbye."))
    }

    @Test func sigintStopsATreeThatIsStillStarting() async throws {
        let child = try ChildProcess("runner-fixture", ["NeverReady"])
        await child.expect("Waiting forever to be ready.")
        child.signal(SIGINT)
        await child.expectCleanExit()
        #expect(child.output.contains("Stopped while starting (SIGINT)."))
    }

    @Test func versionPrintsTheVersion() async throws {
        let (status, output) = try await ChildProcess.run("quickstart", ["--version"])
        #expect(status == 0 && output == "quickstart 0.1.0\n")
    }
}

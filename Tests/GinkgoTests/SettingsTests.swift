import Ginkgo
import Testing

final class Configured: Service, @unchecked Sendable {
    @Setting("message", default: "Hello World", help: "Message to print out while running")
    var message: String

    @Setting("rate_per_minute", default: 60, help: "Rate at which to emit message")
    var rate: Int

    @Setting("example.ratio", default: 0.5, help: "A ratio")
    var ratio: Double

    @Setting("example.enabled", default: false, help: "A switch")
    var enabled: Bool

    @Setting("example.interval", default: .seconds(1), help: "A duration")
    var interval: Duration

    @Setting("example.tags", default: ["a"], help: "A list")
    var tags: [String]

    @Setting("example.pidfile", default: nil, help: "An optional path")
    var pidfile: String?

    @Setting("db.password", default: "changeme", help: "A secret", secret: true)
    var password: String
}

@Suite(.timeLimit(.minutes(1)))
struct SettingsTests {
    @Test func defaultsWhenNothingIsSet() throws {
        let service = Configured()
        service.settings = try Settings()
        #expect(service.message == "Hello World")
        #expect(service.rate == 60)
        #expect(service.interval == .seconds(1))
        #expect(service.pidfile == nil)
    }

    @Test func everyTypeFromAYAMLFile() throws {
        let file = try TemporaryFile(
            "service.conf.yaml",
            """
            message: Services all the way down.
            rate_per_minute: 180
            example:
              ratio: 0.25
              enabled: yes
              interval: 250ms
              tags: [web, blue]
              pidfile: /run/app.pid
            """
        )
        defer { file.remove() }
        let service = Configured()
        service.settings = try Settings(file: file.path)
        #expect(service.message == "Services all the way down.")
        #expect(service.rate == 180)
        #expect(service.ratio == 0.25)
        #expect(service.enabled)
        #expect(service.interval == .milliseconds(250))
        #expect(service.tags == ["web", "blue"])
        #expect(service.pidfile == "/run/app.pid")
        #expect(service.$rate.source == .file(path: file.path, line: 2))
    }

    @Test func everyTypeFromAJSONFile() throws {
        let file = try TemporaryFile(
            "service.conf.json",
            #"{"message": "json", "rate_per_minute": 30, "example": {"ratio": 2, "interval": "1m", "tags": ["x"]}}"#
        )
        defer { file.remove() }
        let service = Configured()
        service.settings = try Settings(file: file.path)
        #expect(service.message == "json" && service.rate == 30 && service.ratio == 2)
        #expect(service.interval == .seconds(60) && service.tags == ["x"])
    }

    @Test func precedenceIsOverrideThenEnvironmentThenFileThenDefault() throws {
        let file = try TemporaryFile(
            "service.conf.yaml",
            "message: from file\nrate_per_minute: 1\nexample:\n  ratio: 0.1\n"
        )
        defer { file.remove() }
        let settings = try Settings(
            file: file.path,
            overrides: ["message": "from --set"],
            environment: ["MESSAGE": "from env", "RATE_PER_MINUTE": "2", "EXAMPLE_INTERVAL": "2s"]
        )
        let service = Configured()
        service.settings = settings
        #expect(service.message == "from --set")
        #expect(service.$message.source == .override(key: "message"))
        #expect(service.rate == 2)
        #expect(service.$rate.source == .environment(variable: "RATE_PER_MINUTE"))
        #expect(service.ratio == 0.1)
        #expect(service.interval == .seconds(2))
        #expect(service.enabled == false && service.$enabled.source == .default)
        #expect(Settings.variableName(for: "example.setting") == "EXAMPLE_SETTING")
    }

    @Test func childrenReadTheirRootsSettings() throws {
        let root = Service(name: "Root")
        let child = Configured()
        root.addService(child)
        root.settings = try Settings(overrides: ["rate_per_minute": "7"])
        #expect(child.rate == 7)
    }

    @Test func reloadShowsNewValuesAndDeletedKeysFallBack() throws {
        let file = try TemporaryFile("service.conf.yaml", "message: first\nrate_per_minute: 10\n")
        defer { file.remove() }
        let settings = try Settings(file: file.path, environment: ["RATE_PER_MINUTE": "99"])
        let service = Configured()
        service.settings = settings
        #expect(service.message == "first" && service.rate == 99)
        try file.write("rate_per_minute: 20\n")
        try settings.reload()
        // The deleted key falls back to the default, not to its stale value.
        #expect(service.message == "Hello World")
        #expect(service.rate == 99)
    }

    @Test func brokenFileOnReloadKeepsTheOldValues() throws {
        let file = try TemporaryFile("service.conf.yaml", "message: good\n")
        defer { file.remove() }
        let settings = try Settings(file: file.path)
        let service = Configured()
        service.settings = settings
        try file.write("message: [unclosed\n")
        #expect(throws: SettingError.self) { try settings.reload() }
        #expect(service.message == "good")
    }

    @Test func changesYieldsNewValuesAfterReload() async throws {
        let file = try TemporaryFile("service.conf.yaml", "rate_per_minute: 1\n")
        defer { file.remove() }
        let settings = try Settings(file: file.path)
        let service = Configured()
        service.settings = settings
        var changes = service.$rate.changes.makeAsyncIterator()
        try file.write("rate_per_minute: 1\nmessage: unrelated\n")
        try settings.reload()
        try file.write("rate_per_minute: 5\n")
        try settings.reload()
        #expect(await changes.next() == 5)
    }

    @Test func wrongTypeInFileNamesKeyFileLineTypeAndValue() throws {
        let file = try TemporaryFile("service.conf.yaml", "message: hi\nrate_per_minute: fast\n")
        defer { file.remove() }
        let settings = try Settings(file: file.path)
        let error = try #require(throws: SettingError.self) { try settings.validate(Configured()) }
        #expect(error.key == "rate_per_minute")
        #expect(error.source == .file(path: file.path, line: 2))
        #expect("\(error)" == "setting rate_per_minute: expected int, got \"fast\" (\(file.path), line 2)")
    }

    @Test func wrongTypeInEnvironmentAndOverridesNamesTheSource() throws {
        let fromEnvironment = try Settings(environment: ["EXAMPLE_INTERVAL": "soon"])
        let error = try #require(throws: SettingError.self) { try fromEnvironment.validate(Configured()) }
        #expect(
            "\(error)"
                == "setting example.interval: expected duration, got \"soon\" (environment variable EXAMPLE_INTERVAL)"
        )

        let fromFlag = try Settings(overrides: ["example.enabled": "maybe"])
        let flagError = try #require(throws: SettingError.self) { try fromFlag.validate(Configured()) }
        #expect("\(flagError)" == "setting example.enabled: expected bool, got \"maybe\" (--set example.enabled)")
    }

    @Test func startFailsOnAWrongTypedSetting() async throws {
        let service = Configured()
        service.settings = try Settings(overrides: ["rate_per_minute": "lots"])
        let error = try await #require(throws: ServiceError.self) { try await service.start() }
        #expect(error.underlying is SettingError)
        #expect(service.state == .stopped)
    }

    @Test func malformedFilesNameFileAndLine() throws {
        let yaml = try TemporaryFile("bad.yaml", "message: ok\nrate_per_minute: 1\n  nested: : wrong\n")
        defer { yaml.remove() }
        let yamlError = try #require(throws: SettingError.self) { try Settings(file: yaml.path) }
        #expect(yamlError.source == .file(path: yaml.path, line: 3))
        #expect("\(yamlError)".hasPrefix("config file \(yaml.path), line 3: not valid YAML"))

        let json = try TemporaryFile("bad.json", "{\n  \"message\": \"ok\",\n  \"rate_per_minute\": ,\n}\n")
        defer { json.remove() }
        let jsonError = try #require(throws: SettingError.self) { try Settings(file: json.path) }
        #expect(jsonError.source == .file(path: json.path, line: 3))

        let missing = try #require(throws: SettingError.self) { try Settings(file: "/nonexistent/service.yaml") }
        #expect("\(missing)" == "config file /nonexistent/service.yaml: does not exist")
    }

    @Test func secretsNeverAppearInListingsOrErrors() throws {
        let settings = try Settings(overrides: ["db.password": "hunter2"])
        let service = Configured()
        service.settings = settings
        #expect(service.password == "hunter2")
        let listed = settings.describeTree(service).first { $0.key == "db.password" }
        #expect(listed?.currentValue == SettingInfo.redacted && listed?.defaultValue == SettingInfo.redacted)

        final class SecretNumber: Service, @unchecked Sendable {
            @Setting("api.pin", default: 0, secret: true) var pin: Int
        }
        let bad = try Settings(overrides: ["api.pin": "hunter2"])
        let error = try #require(throws: SettingError.self) { try bad.validate(SecretNumber()) }
        #expect(!"\(error)".contains("hunter2"))
    }

    @Test func treeSettingsAreListedWithoutStarting() throws {
        let root = Service(name: "Root")
        let child = Configured()
        root.addService(child)
        let settings = try Settings(environment: ["RATE_PER_MINUTE": "120"])
        let infos = settings.describeTree(root)
        #expect(infos.map(\.key).contains("message"))
        let rate = try #require(infos.first { $0.key == "rate_per_minute" })
        #expect(rate.type == "int" && rate.defaultValue == "60" && rate.currentValue == "120")
        #expect(rate.help == "Rate at which to emit message")
        #expect(infos.first { $0.key == "example.interval" }?.defaultValue == "1s")
        #expect(child.state == .initial)
    }
}

@Suite struct SettingsCacheTests {
    final class Port: Service, @unchecked Sendable {
        @Setting("port", default: 7000) var port: Int
    }
    final class OtherPort: Service, @unchecked Sendable {
        @Setting("port", default: 8000) var port: Int
    }

    @Test func settingsOfOneKeyKeepTheirOwnDefaults() throws {
        let settings = try Settings()
        let first = Port()
        let second = OtherPort()
        first.settings = settings
        second.settings = settings
        #expect(first.port == 7000 && second.port == 8000)
    }
}

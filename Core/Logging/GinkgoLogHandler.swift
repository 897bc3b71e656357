import Logging

/// The runner's swift-log handler: formats each message in the configured format and writes it
/// to the configured output, at the level configured for its label — all read live, so a reload
/// reaches loggers that already exist.
struct GinkgoLogHandler: LogHandler {
    let label: String
    let configuration: LogConfiguration
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// A level set in code on one logger, which then wins over the configuration.
    private var explicitLevel: Logger.Level?

    init(label: String, configuration: LogConfiguration, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.configuration = configuration
        self.metadataProvider = metadataProvider
    }

    var logLevel: Logger.Level {
        get { explicitLevel ?? configuration.level(for: label) }
        set { explicitLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = configuration.format.line(
            level: event.level,
            label: label,
            message: event.message.description,
            metadata: merged
        )
        configuration.output.write(line, level: event.level)
    }
}

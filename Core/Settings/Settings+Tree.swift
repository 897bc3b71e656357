import Synchronization

extension Settings {
    /// Checks every setting `service` declares (not its children's).
    ///
    /// - Throws: the first ``SettingError``: a source with a value of the wrong type.
    public func validate(_ service: Service) throws(SettingError) {
        for setting in service.declaredSettings {
            do {
                try setting.check(in: self)
            } catch let error as SettingError {
                throw error
            } catch {
                throw SettingError(key: setting.key, source: .default, reason: "\(error)")
            }
        }
    }

    /// Checks every setting of the tree under `root`.
    public func validateTree(_ root: Service) throws(SettingError) {
        try validate(root)
        for child in root.children { try validateTree(child) }
    }

    /// Every setting declared in the tree under `root`, in tree order, each key once: key, type,
    /// default, current value and help — what `--help` lists. Nothing is started.
    public func describeTree(_ root: Service) -> [SettingInfo] {
        var seen = Set<String>()
        var infos: [SettingInfo] = []
        func visit(_ service: Service) {
            for setting in service.declaredSettings where seen.insert(setting.key).inserted {
                infos.append(setting.describe(in: self))
            }
            for child in service.children { visit(child) }
        }
        visit(root)
        return infos
    }
}

extension Service {
    private static let classesWithoutProperties = Mutex<Set<ObjectIdentifier>>([])

    /// The settings this service reads: its own if given, else its nearest ancestor's, else
    /// ``Settings/default``.
    public var settings: Settings {
        get {
            var node: Service? = self
            while let current = node {
                if let settings = current.storage.withLock({ $0.settings }) { return settings }
                node = current.parent
            }
            return .default
        }
        set {
            storage.withLock { $0.settings = newValue }
        }
    }

    /// The `@Setting` properties of this service's class and its superclasses.
    var declaredSettings: [any AnySetting] {
        // Reflection is the slow part of starting a large tree; a class that adds no stored
        // properties to Service can declare no settings, and that is remembered per class (Service
        // itself, the usual container of a tree's branches, without a lock).
        if Swift.type(of: self) == Service.self { return [] }
        let type = ObjectIdentifier(Swift.type(of: self))
        if Self.classesWithoutProperties.withLock({ $0.contains(type) }) { return [] }
        var settings: [any AnySetting] = []
        var hasProperties = false
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror, current.subjectType != Service.self {
            for child in current.children {
                hasProperties = true
                if let setting = child.value as? any AnySetting {
                    settings.append(setting)
                } else if let group = child.value as? any SettingGroup {
                    settings += Mirror(reflecting: group).children.compactMap { $0.value as? any AnySetting }
                }
            }
            mirror = current.superclassMirror
        }
        if !hasProperties { _ = Self.classesWithoutProperties.withLock { $0.insert(type) } }
        return settings
    }
}

-- Chat widget configs (domain/widget_config.rs), as Talkative's Widget configs page keeps them:
-- one row per config, its name, queues (with their presence), API actions and pre-chat fields
-- as the JSON of WidgetConfigParts, with one encoder and one decoder (storage/widget_configs.rs).
-- The built-in default config is inserted at start when missing, from the code that defines it.
CREATE TABLE widget_configs (
    uuid       TEXT    PRIMARY KEY NOT NULL,
    definition TEXT    NOT NULL,
    created_at INTEGER NOT NULL,   -- unix milliseconds
    updated_at INTEGER NOT NULL    -- unix milliseconds
) STRICT;

{{ layered_reference('theme_keywords', 'shipped_theme_keywords', ['rule_set', 'theme_id'],
                     ['rule_set', 'theme_id', 'pattern']) }}

{{ layered_reference('theme_code_map', 'shipped_theme_code_map',
                     ['source', 'code_field', 'native_code'],
                     ['source', 'code_field', 'native_code', 'theme_id']) }}

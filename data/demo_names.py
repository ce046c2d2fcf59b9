"""Word lists for demo data: names from many countries (Unicode on purpose) and places."""

FIRST_NAMES = (
    "John", "Johnny", "Eric", "Erica", "Maria", "Anna", "Jörg", "Jürgen", "Éric", "Émilie",
    "José", "Lucía", "Søren", "Zoë", "Chloé", "François", "Mónica", "Ana", "Ivan", "Olga",
    "Liam", "Olivia", "Noah", "Emma", "James", "Sophia", "William", "Isabella", "Lucas", "Mia",
    "Mateo", "Valentina", "Hiroshi", "Yuki", "Wei", "Mei", "Raj", "Priya", "Ahmed", "Fatima",
    "Kwame", "Amara", "Lars", "Ingrid", "Pierre", "Camille", "Giulia", "Marco", "Sven", "Astrid",
    "Tomás", "Inês", "Dmitri", "Natalia", "Björn", "Åsa", "Paweł", "Zofia", "Mehmet", "Ayşe",
    "Mark", "Sarah", "David", "Laura", "Michael", "Emily", "Daniel", "Hannah", "Peter", "Julia",
)

LAST_NAMES = (
    "Smith", "Hammersmith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Müller",
    "Davis", "Rodriguez", "Martinez", "Hernández", "López", "González", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White",
    "Harris", "Sánchez", "Clark", "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
    "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Koch",
    "Dubois", "Lefèvre", "Moreau", "Rossi", "Russo", "Ferrari", "Esposito", "Nielsen", "Jensen",
    "Kowalski", "Nowak", "Novák", "Ivanov", "Petrov", "Yılmaz", "Kaya", "Tanaka", "Suzuki",
    "Sato", "Kim", "Park", "Chen", "Wang", "Li", "Singh", "Patel", "Okafor", "Mensah", "Maverick",
    "O'Brien", "Fitzgerald", "Larsen", "Berg", "Lindqvist", "Andersson", "Costa", "Silva",
)

COMPANY_WORDS = (
    "Acme", "Global", "Nordic", "Alpine", "Pacific", "Atlantic", "Blue", "Green", "Summit",
    "Vertex", "Nova", "Orbit", "Pioneer", "Quantum", "Redwood", "Silver", "Delta", "Harbor",
    "Crown", "Eagle", "Falcon", "Granite", "Horizon", "Iron", "Jade", "Keystone", "Lumen",
    "Meridian", "Northwind", "Oak", "Prime", "Riverside", "Sterling", "Union", "Vista",
    "American", "Bäckerei", "Café", "Müller & Söhne", "Société", "Ibérica", "Ståhl",
)

COMPANY_KINDS = (
    "Telecom", "Networks", "Logistics", "Consulting", "Trading", "Holdings", "Media", "Foods",
    "Hotels", "Clinic", "Motors", "Systems", "Solutions", "Partners", "Studio", "Labs",
)

LEGAL_FORMS = ("Ltd", "Inc.", "GmbH", "S.A.", "LLC", "AB", "S.r.l.", "B.V.", "Oy", "plc")

STREETS = (
    "Main Street", "High Street", "Oak Avenue", "Bahnhofstraße", "Rue de la Paix", "Calle Mayor",
    "Via Roma", "Storgatan", "Park Lane", "Elm Road", "Königsallee", "Avenida da Liberdade",
    "Church Road", "Mill Lane", "Station Road", "Victoria Road", "Hauptstraße", "Rue Lafayette",
)

# (country, state/region, city, zip pattern (# = digit), currency, phone prefix, e-mail domain)
PLACES = (
    ("US", "California", "San Francisco", "941##", "USD", "+1 415", "example.com"),
    ("US", "New York", "New York", "100##", "USD", "+1 212", "example.org"),
    ("US", "Texas", "Austin", "787##", "USD", "+1 512", "example.net"),
    ("US", "Illinois", "Chicago", "606##", "USD", "+1 312", "mail.example.com"),
    ("CA", "Ontario", "Toronto", "M5V ###", "CAD", "+1 416", "example.ca"),
    ("GB", "England", "London", "EC1A #AA", "GBP", "+44 20", "example.co.uk"),
    ("GB", "Scotland", "Edinburgh", "EH# #AB", "GBP", "+44 131", "example.org.uk"),
    ("DE", "Bayern", "München", "80###", "EUR", "+49 89", "beispiel.de"),
    ("DE", "Berlin", "Berlin", "10###", "EUR", "+49 30", "beispiel.de"),
    ("FR", "Île-de-France", "Paris", "750##", "EUR", "+33 1", "exemple.fr"),
    ("ES", "Madrid", "Madrid", "280##", "EUR", "+34 91", "ejemplo.es"),
    ("IT", "Lazio", "Roma", "001##", "EUR", "+39 06", "esempio.it"),
    ("SE", "Stockholm", "Stockholm", "1## ##", "SEK", "+46 8", "exempel.se"),
    ("DK", "Hovedstaden", "København", "1###", "DKK", "+45 3", "eksempel.dk"),
    ("CH", "Zürich", "Zürich", "80##", "CHF", "+41 44", "beispiel.ch"),
    ("PL", "Mazowieckie", "Warszawa", "00-###", "PLN", "+48 22", "przyklad.pl"),
    ("JP", "Tokyo", "Tokyo", "100-####", "JPY", "+81 3", "example.jp"),
    ("BR", "São Paulo", "São Paulo", "01###-###", "BRL", "+55 11", "exemplo.com.br"),
    ("AU", "New South Wales", "Sydney", "2###", "AUD", "+61 2", "example.com.au"),
    ("BH", "Capital", "Manama", "3##", "BHD", "+973 17", "example.bh"),
)

# (name, reactivation days, grace days for overdue invoices, monthly maintenance fee)
CUSTOMER_CLASSES = (("Residential", 30, 5, "1.50"), ("Business", 60, 10, "5.00"), ("Wholesale", 14, 0, "0"),
                    ("Premium", 90, 15, "9.90"), ("Trial", 7, 0, "0"))
SUBSCRIPTIONS = (("Unlimited national calls", "19.90"), ("International bundle", "9.50"),
                 ("Mobile data 20 GB", "15.00"), ("Business line", "29.00"))
VENDORS = ("Carrier One", "Transatlantic Voice", "Nordic Transit", "AsiaLink Wholesale")

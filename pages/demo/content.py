"""The demo content of ``manage.py seed_demo``: the club as a family would find it.

Dates are relative to the season that starts in September after ``today``'s
summer, so the demo keeps making sense as years pass.
"""

import datetime
from decimal import Decimal

CATEGORIES = [
    ("Sport", "sport"),
    ("Arts plastiques", "arts-plastiques"),
    ("Musique", "musique"),
    ("Danse", "danse"),
    ("Théâtre", "theatre"),
    ("Sciences et nature", "sciences-nature"),
]

# (title, category slug, ages, slots [(weekday, "HH:MM", "HH:MM")], place, capacity, price, deposit, intro)
ACTIVITIES = [
    (
        "Multisports",
        "sport",
        (6, 10),
        [(2, "14:00", "15:30")],
        "Gymnase Jean-Moulin",
        24,
        "180",
        "60",
        "Jeux collectifs, athlétisme, jeux de raquette : une activité différente chaque mois pour tout essayer.",
    ),
    (
        "Football",
        "sport",
        (8, 12),
        [(5, "10:00", "11:30")],
        "Stade municipal",
        22,
        "165",
        "50",
        "Technique, jeu collectif et fair-play, avec un tournoi inter-clubs au printemps.",
    ),
    (
        "Escalade",
        "sport",
        (10, 15),
        [(1, "18:00", "19:30")],
        "Mur d'escalade du PO",
        14,
        "240",
        "80",
        "Grimper en sécurité, apprendre les nœuds et l'assurage, et une sortie en falaise en juin.",
    ),
    (
        "Judo",
        "sport",
        (5, 9),
        [(0, "17:00", "18:00"), (3, "17:00", "18:00")],
        "Dojo du PO",
        20,
        "195",
        "60",
        "Les bases du judo dans le respect du partenaire ; passage de ceintures en fin de saison.",
    ),
    (
        "Arts plastiques",
        "arts-plastiques",
        (6, 11),
        [(2, "10:00", "11:30")],
        "Atelier du PO",
        12,
        "210",
        "70",
        "Peinture, collage, modelage : chaque enfant repart avec ses créations.",
    ),
    (
        "Bande dessinée",
        "arts-plastiques",
        (10, 15),
        [(3, "17:30", "19:00")],
        "Atelier du PO",
        12,
        "220",
        "70",
        "Du scénario à la planche encrée, avec une exposition des planches en juin.",
    ),
    (
        "Poterie",
        "arts-plastiques",
        (8, 14),
        [(5, "14:00", "16:00")],
        "Atelier céramique",
        10,
        "260",
        "90",
        "Tournage et modelage de la terre, cuisson au four de l'atelier.",
    ),
    (
        "Éveil musical",
        "musique",
        (4, 6),
        [(2, "10:00", "10:45")],
        "Salle de musique",
        10,
        "150",
        "50",
        "Chanter, écouter, jouer des percussions : la musique par le jeu pour les plus petits.",
    ),
    (
        "Guitare",
        "musique",
        (9, 17),
        [(4, "18:00", "19:00")],
        "Salle de musique",
        8,
        "290",
        "100",
        "Cours en petit groupe, accords et morceaux choisis avec les jeunes ; guitares prêtées la première année.",
    ),
    (
        "Chorale",
        "musique",
        (7, 12),
        [(1, "17:00", "18:00")],
        "Salle de musique",
        25,
        "120",
        "40",
        "Chanter ensemble un répertoire varié et préparer le concert de fin d'année.",
    ),
    (
        "Hip-hop",
        "danse",
        (9, 15),
        [(2, "16:00", "17:30")],
        "Salle de danse",
        18,
        "200",
        "60",
        "Break, popping, chorégraphies : énergie et créativité, avec un spectacle en juin.",
    ),
    (
        "Danse classique",
        "danse",
        (5, 10),
        [(5, "09:30", "10:30")],
        "Salle de danse",
        15,
        "200",
        "60",
        "Posture, musicalité et premiers pas de ballet dans une ambiance bienveillante.",
    ),
    (
        "Théâtre d'improvisation",
        "theatre",
        (11, 17),
        [(3, "18:00", "19:30")],
        "Petite salle",
        16,
        "210",
        "70",
        "Oser prendre la parole, écouter, inventer : matchs d'impro entre les groupes.",
    ),
    (
        "Petits débrouillards",
        "sciences-nature",
        (8, 12),
        [(2, "14:00", "16:00")],
        "Labo du PO",
        14,
        "190",
        "60",
        "Expériences, fusées à eau et observation de la nature pour comprendre le monde en s'amusant.",
    ),
]

# (title, period, (month, day) of the next departure, nights, ages, destination, theme,
#  capacity, price, deposit, registration opens this many days before departure, intro)
STAYS = [
    (
        "Noël à la neige",
        "noel",
        (12, 26),
        6,
        (8, 12),
        "Les Rousses (Jura)",
        "Ski de fond et veillées",
        30,
        "560",
        "150",
        60,
        "Une semaine dans la neige entre Noël et le jour de l'an, chalet au pied des pistes.",
    ),
    (
        "Ski à Morzine",
        "hiver",
        (2, 13),
        7,
        (8, 13),
        "Morzine (Haute-Savoie)",
        "Ski alpin et raquettes",
        40,
        "690",
        "200",
        100,
        "Cours de ski ESF le matin, raquettes et luge l'après-midi, veillées au chalet.",
    ),
    (
        "Chiens de traîneau dans le Vercors",
        "hiver",
        (2, 20),
        6,
        (6, 10),
        "Vercors (Isère)",
        "Nature et animaux",
        24,
        "620",
        "180",
        100,
        "Découverte des chiens de traîneau, construction d'igloos et balades en raquettes.",
    ),
    (
        "Printemps à la ferme",
        "printemps",
        (4, 17),
        5,
        (6, 9),
        "Perche (Orne)",
        "Ferme et animaux",
        20,
        "420",
        "120",
        120,
        "Soigner les animaux, faire le pain et le fromage : une semaine au rythme de la ferme.",
    ),
    (
        "Voile en presqu'île de Crozon",
        "ete",
        (7, 10),
        11,
        (11, 15),
        "Crozon (Finistère)",
        "Voile et mer",
        32,
        "890",
        "250",
        160,
        "Optimist et catamaran, kayak de mer et pêche à pied, camp sous tentes près de la plage.",
    ),
    (
        "Aventure dans les Pyrénées",
        "ete",
        (7, 24),
        11,
        (12, 16),
        "Vallée d'Aure (Hautes-Pyrénées)",
        "Randonnée et sports d'eau vive",
        28,
        "920",
        "250",
        160,
        "Randonnée en itinérance, rafting et canyoning, nuits en refuge et sous tentes.",
    ),
    (
        "Sciences et étoiles",
        "ete",
        (8, 9),
        9,
        (9, 13),
        "Causse Méjean (Lozère)",
        "Astronomie et nature",
        30,
        "740",
        "200",
        160,
        "Observer le ciel avec des astronomes, fabriquer une fusée, explorer les grottes.",
    ),
]

STEPS = [
    (
        "Créer votre compte",
        "<p>Lors de la création de votre compte, mettez <b>vos propres informations</b> de parent "
        "(gestionnaire du compte) et non celles de votre ou vos enfants.</p><p>Si vos enfants sont déjà membres du PO, "
        "indiquez impérativement leurs nom et prénom dans le champ « Message à l'intention du club » : grâce à la "
        "migration de l'ancienne base, nous rattacherons leurs informations à votre compte.</p>",
    ),
    (
        "Valider votre adresse e-mail",
        "<p>Suivez les consignes qui s'affichent à l'écran pour <b>valider votre adresse "
        "e-mail</b> : par sécurité, nous vérifions ainsi que l'adresse est bien la vôtre. (Pour protéger "
        "davantage votre compte, vous pourrez ensuite activer la double authentification dans « Mes "
        "coordonnées ».)</p>",
    ),
    (
        "Attendre la validation du club",
        "<p>Le PO valide votre compte (jusqu'à 24 h, hors week-end). Vous recevez alors "
        "un e-mail ou un SMS qui confirme la validation et vous invite à continuer.</p>",
    ),
    ("Vous reconnecter", "<p>Retournez sur l'accès au compte avec votre adresse e-mail et votre mot de passe.</p>"),
    (
        "Retrouver ou créer l'adhésion de vos enfants",
        "<p>Soit vos enfants sont déjà rattachés : cliquez sur leur nom "
        "pour demander une inscription à une activité ou un séjour. Soit vous créez leur adhésion en renseignant "
        "<b>leurs</b> informations, puis vous demandez l'inscription.</p>",
    ),
    (
        "Recevoir la confirmation",
        "<p>Quand le PO a validé définitivement l'inscription, vous recevez un e-mail de "
        "confirmation avec les modalités de paiement de l'acompte qui sécurise la place.</p>",
    ),
]

FAQ = [
    (
        "Les deux parents peuvent-ils avoir un compte ?",
        "<p>Oui. Chaque parent crée son propre espace adhérent et gère conjointement les inscriptions "
        "des enfants ; le premier parent peut inviter l'autre depuis son espace.</p>",
    ),
    (
        "Mon enfant était déjà inscrit l'an dernier : dois-je recréer son adhésion ?",
        "<p>Non : écrivez ses nom et "
        "prénom dans le message à l'intention du club lors de la création de votre compte, le secrétariat le "
        "rattachera à votre compte.</p>",
    ),
    (
        "Je n'ai pas reçu l'e-mail de validation.",
        "<p>Vérifiez vos courriers indésirables, puis demandez un nouvel "
        "envoi depuis la page de connexion. En cas de souci technique, écrivez à bdd2024@le-po.com.</p>",
    ),
]

PRIVACY = [
    (
        "Qui est responsable de vos données ?",
        "<p>Le PO, association loi 1901, responsable du traitement. Pour exercer "
        "vos droits, écrivez au secrétariat ou à l'adresse indiquée en bas de page.</p>",
    ),
    (
        "Quelles données et pourquoi ?",
        "<p>Vos coordonnées de parent pour gérer votre compte et vous prévenir ; "
        "celles de vos enfants pour leur adhésion et leurs inscriptions ; les informations de santé que vous "
        "choisissez de donner, pour leur sécurité pendant les activités et les séjours.</p>",
    ),
    (
        "Qui les voit ?",
        "<p>Vous, l'autre parent que vous invitez, et le secrétariat du club. Les informations de "
        "santé ne sont visibles que des responsables de l'enfant et du secrétariat.</p>",
    ),
    (
        "Combien de temps ?",
        "<p>Le temps de l'adhésion. Un compte dont l'adresse n'est jamais confirmée est supprimé au bout de "
        "7 jours, un compte jamais validé au bout de 90 jours. Un enfant qui n'a plus de responsable est "
        "archivé, puis effacé trois ans plus tard. Les inscriptions validées et les acomptes reçus sont gardés "
        "10 ans pour la comptabilité, sans nom une fois la famille effacée. Le journal des messages envoyés "
        "est gardé un an.</p>",
    ),
    (
        "Vos droits",
        "<p>Dans votre espace adhérent, « Mes données » montre tout ce que le site conserve sur vous et vos "
        "enfants, à lire, imprimer ou télécharger. Vous corrigez vous-même vos coordonnées et les fiches de vos "
        "enfants, et vous pouvez demander l'effacement de votre compte : le secrétariat l'effectue dans le mois. "
        "Vous pouvez aussi saisir la CNIL.</p>",
    ),
]


def season_bounds(today):
    """First and last day of the current season (September to June; from July, the next one)."""
    year = today.year if today.month >= 7 else today.year - 1
    return datetime.date(year, 9, 14), datetime.date(year + 1, 6, 27)


def next_departure(today, month, day):
    """The next ``month``/``day`` at least two weeks after ``today``."""
    candidate = datetime.date(today.year, month, day)
    if candidate < today + datetime.timedelta(days=14):
        candidate = datetime.date(today.year + 1, month, day)
    return candidate


def money(value):
    return Decimal(value)
